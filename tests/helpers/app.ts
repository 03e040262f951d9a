/**
 * Boots a real Strapi for integration tests: a small JavaScript app written into
 * `.tmp/apps/<name>` (inside the repo, so that Node finds `@strapi/strapi` and this plugin through
 * the workspace's node_modules), on its own SQLite file, with the plugin config the test gives.
 * The plugin is loaded from its build (`dist/`), exactly as a site would load it: `npm test`
 * builds it first.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createStrapi, type Core } from '@strapi/strapi';
import request from 'supertest';

export const ROOT = path.resolve(__dirname, '../..');
export const SHARED = path.resolve(ROOT, '../shared');

export interface TestApp {
  strapi: Core.Strapi;
  dir: string;
  /** The Koa HTTP server, for supertest. */
  server: Core.Strapi['server']['httpServer'];
  stop(): Promise<void>;
}

export interface TestAppOptions {
  /** `config` of the deliverability plugin (functions allowed). */
  pluginConfig?: Record<string, unknown>;
  /** Extra files of the app, relative to its folder (content types of a host app, say). */
  files?: Record<string, string>;
  /** Reuse an existing database file instead of a new one. */
  databaseFile?: string;
  /** Database connection instead of SQLite (the PostgreSQL tests). */
  database?: Record<string, unknown>;
  /** Other plugins' entries in config/plugins.js (the Email plugin's provider, say). */
  plugins?: Record<string, unknown>;
  /** A fixed port; 0 lets the system choose. */
  port?: number;
  /** Write the plugin config into the app's files (JSON only), for apps booted in another process. */
  literalPluginConfig?: boolean;
  /** The site's REST prefix (`rest.prefix` in config/api.js); Strapi's default `/api` when absent. */
  restPrefix?: string;
}

const secret = (): string => randomBytes(16).toString('base64');

/**
 * A Strapi `connection` for a database URL (`postgres://…` or `mysql://…`), for the suites that
 * also run on PostgreSQL (DELIVERABILITY_TEST_PG) and MySQL/MariaDB (DELIVERABILITY_TEST_MYSQL).
 */
export function databaseFromUrl(url: string): Record<string, unknown> {
  const u = new URL(url);
  const mysql = u.protocol.startsWith('mysql');
  return {
    client: mysql ? 'mysql' : 'postgres',
    connection: {
      host: u.hostname,
      port: Number(u.port || (mysql ? 3306 : 5432)),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: u.pathname.slice(1),
    },
  };
}

export function writeApp(dir: string, options: TestAppOptions): void {
  // Absolute: Strapi resolves a relative SQLite path against the process's working directory.
  const databaseFile = options.databaseFile ?? path.join(dir, '.tmp', 'data.db');
  const database = options.database ?? {
    client: 'sqlite',
    connection: { filename: databaseFile },
    useNullAsDefault: true,
  };
  const files: Record<string, string> = {
    'package.json': JSON.stringify(
      { name: `test-app-${path.basename(dir)}`, private: true, version: '0.0.0', dependencies: { '@strapi/strapi': '5.54.0', 'strapi-plugin-deliverability': '*' } },
      null,
      2,
    ),
    'config/database.js': `module.exports = () => ({ connection: ${JSON.stringify(database)} });\n`,
    'config/server.js': `module.exports = () => ({ host: '127.0.0.1', port: ${options.port ?? 0}, app: { keys: ${JSON.stringify([secret(), secret()])} } });\n`,
    'config/admin.js': `module.exports = () => ({
  auth: { secret: ${JSON.stringify(secret())} },
  apiToken: { salt: ${JSON.stringify(secret())} },
  transfer: { token: { salt: ${JSON.stringify(secret())} } },
  secrets: { encryptionKey: ${JSON.stringify(secret())} },
});\n`,
    'config/api.js': `module.exports = () => ({ rest: { ${options.restPrefix === undefined ? '' : `prefix: ${JSON.stringify(options.restPrefix)}, `}defaultLimit: 25, maxLimit: 100 } });\n`,
    'config/middlewares.js': `module.exports = ['strapi::logger','strapi::errors','strapi::security','strapi::cors','strapi::poweredBy','strapi::query','strapi::body','strapi::session','strapi::favicon','strapi::public'];\n`,
    // The test passes the plugin config through a global, so that it can hold functions.
    'config/plugins.js': `module.exports = () => ({ ...${JSON.stringify(options.plugins ?? {})}, deliverability: { enabled: true, config: ${
      options.literalPluginConfig ? JSON.stringify(options.pluginConfig ?? {}) : 'global.__deliverabilityTestConfig || {}'
    } } });\n`,
    'src/index.js': 'module.exports = { register() {}, bootstrap() {} };\n',
    ...options.files,
  };
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  fs.mkdirSync(path.join(dir, 'public', 'uploads'), { recursive: true });
  fs.mkdirSync(path.join(dir, '.tmp'), { recursive: true });
}

export function appDir(name: string): string {
  return path.join(ROOT, '.tmp', 'apps', `${name}-${process.pid}-${Date.now()}`);
}

/** Creates (or reuses, when `dir` exists) a test app, boots it and mounts its routes. */
export async function startApp(name: string, options: TestAppOptions = {}, existingDir?: string): Promise<TestApp> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'server'))) {
    throw new Error('The plugin is not built: run `npm run build` (npm test does it first).');
  }
  const dir = existingDir ?? appDir(name);
  if (!existingDir) writeApp(dir, options);
  (global as Record<string, unknown>).__deliverabilityTestConfig = options.pluginConfig ?? {};
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  process.env.BROWSER = 'false';
  const strapi = createStrapi({ appDir: dir, distDir: dir, autoReload: false, serveAdminPanel: false });
  strapi.log.level = process.env.TEST_LOG_LEVEL ?? 'error';
  try {
    await strapi.load();
  } catch (error) {
    await strapi.destroy().catch(() => undefined);
    throw error;
  }
  strapi.server.mount();
  return {
    strapi,
    dir,
    server: strapi.server.httpServer,
    async stop() {
      await strapi.destroy();
    },
  };
}

/** Boots an app expecting it to fail; returns the error. */
export async function bootError(name: string, options: TestAppOptions): Promise<Error> {
  const dir = appDir(name);
  writeApp(dir, options);
  (global as Record<string, unknown>).__deliverabilityTestConfig = options.pluginConfig ?? {};
  const strapi = createStrapi({ appDir: dir, distDir: dir, autoReload: false, serveAdminPanel: false });
  strapi.log.level = 'error';
  try {
    await strapi.load();
  } catch (error) {
    await strapi.destroy().catch(() => undefined);
    return error as Error;
  }
  await strapi.destroy();
  throw new Error('Strapi booted, but the test expected it to refuse');
}

/** Creates a super admin and logs in; returns the admin JWT for admin-API requests. */
export async function adminToken(app: TestApp): Promise<string> {
  const email = 'admin@test.local';
  const password = 'Test-password-1';
  const roleService = app.strapi.service('admin::role') as { getSuperAdmin(): Promise<{ id: number } | null>; createRolesIfNoneExist(): Promise<void> };
  await roleService.createRolesIfNoneExist();
  const superAdmin = await roleService.getSuperAdmin();
  const users = app.strapi.service('admin::user') as { exists(q: unknown): Promise<boolean>; create(data: unknown): Promise<unknown> };
  if (!(await users.exists({ email }))) {
    await users.create({ email, firstname: 'Test', lastname: 'Admin', password, isActive: true, roles: superAdmin ? [superAdmin.id] : [] });
  }
  const response = await request(app.server).post('/admin/login').send({ email, password });
  if (response.status !== 200) throw new Error(`admin login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.data.token as string;
}

/** A port that was free a moment ago, for an app whose public URL must be known before it boots. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Makes the app listen on its port, for code that calls it over real HTTP (the sandbox's reports). */
export async function listen(app: TestApp, port: number): Promise<void> {
  await new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', () => resolve()));
}

/** Creates a full-access API token and returns its key. */
export async function apiToken(app: TestApp, type: 'full-access' | 'read-only' | 'custom' = 'full-access', permissions: string[] = []): Promise<string> {
  const tokens = app.strapi.service('admin::api-token') as { create(attrs: Record<string, unknown>): Promise<{ accessKey: string }> };
  const token = await tokens.create({ name: `test-${type}-${Date.now()}-${Math.random()}`, type, lifespan: null, permissions });
  return token.accessKey;
}
