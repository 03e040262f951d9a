/**
 * Runs the playground for the browser test as a site would run it: the plugin's build, the
 * playground's admin build (made here when missing or older than the plugin), and `strapi start`
 * as its own node process on a free port with a fresh SQLite file and the demo students. Stopped
 * by its PID: killing an npm wrapper would leave Strapi running.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const PLAYGROUND = path.join(ROOT, 'playground');
const STRAPI_BIN = path.join(ROOT, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js');

export interface RunningPlayground {
  url: string;
  pid: number;
  logs: () => string;
  stop(): Promise<void>;
}

function newestMtime(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the playground (admin panel and TypeScript) unless its build is newer than every source. */
export function buildPlaygroundIfStale(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'admin'))) throw new Error('The plugin is not built: run `npm run build` first.');
  const index = path.join(PLAYGROUND, 'dist', 'build', 'index.html');
  const builtAt = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  const sourcesAt = Math.max(newestMtime(path.join(ROOT, 'dist')), newestMtime(path.join(PLAYGROUND, 'src')), newestMtime(path.join(PLAYGROUND, 'config')));
  if (builtAt >= sourcesAt) return;
  const build = spawnSync(process.execPath, [STRAPI_BIN, 'build'], {
    cwd: PLAYGROUND,
    encoding: 'utf8',
    env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true', NODE_ENV: 'production' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (build.status !== 0) throw new Error(`The playground build failed:\n${build.stdout}\n${build.stderr}`);
}

export async function freePort(): Promise<number> {
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

const secret = (): string => randomBytes(16).toString('base64');

async function waitFor(url: string, child: ChildProcess, timeoutMs: number, logs: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Strapi exited with ${child.exitCode}:\n${logs()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`Strapi did not answer ${url} within ${timeoutMs} ms:\n${logs()}`);
}

/** Starts the built playground with the demo seed on a fresh database; resolves once the admin answers. */
export async function startPlayground(extraEnv: Record<string, string> = {}): Promise<RunningPlayground> {
  const port = await freePort();
  const database = `.tmp/e2e-${process.pid}-${Date.now()}.db`;
  let output = '';
  const child = spawn(process.execPath, [STRAPI_BIN, 'start'], {
    cwd: PLAYGROUND,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_FILENAME: database,
      DELIVERABILITY_DEMO_SEED: 'true',
      // The demo's fast retries would re-send the soft-bouncing student's message mid-test.
      DELIVERABILITY_RETRIER: 'false',
      STRAPI_TELEMETRY_DISABLED: 'true',
      BROWSER: 'false',
      // Test-only secrets for this run; the playground's own .env (if any) is not read for these.
      APP_KEYS: [secret(), secret()].join(','),
      API_TOKEN_SALT: secret(),
      ADMIN_JWT_SECRET: secret(),
      TRANSFER_TOKEN_SALT: secret(),
      JWT_SECRET: secret(),
      ENCRYPTION_KEY: secret(),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const logs = (): string => output.slice(-20_000);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid) {
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }
    fs.rmSync(path.join(PLAYGROUND, database), { force: true });
  };
  try {
    await waitFor(`${url}/admin`, child, 120_000, logs);
    // The seed runs in bootstrap, before the server listens; the admin user exists once /admin answers.
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid ?? -1, logs, stop };
}
