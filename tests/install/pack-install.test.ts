/**
 * The plugin as an institution's developer meets it: `npm pack`, then installed from the tarball
 * into a brand-new Strapi 5.54 app in a temporary folder (not the playground, not this
 * workspace's node_modules), configured as the README's installation section says, with the
 * app's own `api::student.student` type and Strapi's Email plugin on nodemailer, relaying to a
 * local SMTP server as it would to smtp.sendgrid.net. The app is booted in its own process; a
 * message sent with a Custom API token reaches the SMTP server, a signed SendGrid bounce shaped as
 * SendGrid's relay reports it marks that message bounced and the student's email failed, and the
 * admin API serves the student's Full Logs. Then the plugin is removed as the README says and the
 * app booted again: the students are untouched.
 *
 * This takes a few minutes (an npm install and a native SQLite build). It runs in `npm test`;
 * set DELIVERABILITY_SKIP_INSTALL_TEST=1 to leave it out while iterating.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { capturingSmtp, header, type CapturingSmtp } from '../helpers/smtp';
import { ROOT, freePort } from '../helpers/app';

const skip = process.env.DELIVERABILITY_SKIP_INSTALL_TEST === '1';
const describeInstall = skip ? describe.skip : describe;
jest.setTimeout(900_000);

const STUDENT = 'api::student.student';
const rootPackage = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
const pin = (name: string): string => rootPackage.devDependencies[name];

function write(dir: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

function boot(dir: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const strapiBin = path.join(dir, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js');
    const child = spawn(process.execPath, [strapiBin, 'start'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Strapi started successfully')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`strapi start exited with ${code}:\n${output.slice(-4000)}`)));
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

describeInstall('installing the packed plugin into a new Strapi app', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deliverability-install-'));
  const dir = path.join(work, 'college-crm');
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicKey = keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const privateKey = keys.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  let port = 0;
  let env: NodeJS.ProcessEnv = {};
  let strapi: ChildProcess | undefined;
  let token = '';
  const base = () => `http://127.0.0.1:${port}`;
  // The relay: keeps each message as received, by recipient.
  let smtp: CapturingSmtp;

  beforeAll(async () => {
    const smtpPort = await freePort();
    smtp = await capturingSmtp(smtpPort);
    // 1. Pack the plugin as npm would publish it.
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop()!;
    port = await freePort();

    // 2. A new Strapi app with its own student type.
    write(dir, {
      'package.json': JSON.stringify(
        {
          name: 'college-crm',
          private: true,
          version: '1.0.0',
          dependencies: {
            '@strapi/strapi': pin('@strapi/strapi'),
            '@strapi/provider-email-nodemailer': pin('@strapi/provider-email-nodemailer'),
            'better-sqlite3': pin('better-sqlite3'),
            react: pin('react'),
            'react-dom': pin('react-dom'),
            'react-router-dom': pin('react-router-dom'),
            'styled-components': pin('styled-components'),
          },
        },
        null,
        2,
      ),
      'config/database.js': "const path = require('path');\nmodule.exports = () => ({ connection: { client: 'sqlite', connection: { filename: path.join(__dirname, '..', '.tmp', 'data.db') }, useNullAsDefault: true } });\n",
      'config/server.js': "module.exports = ({ env }) => ({ host: '127.0.0.1', port: env.int('PORT', 1337), app: { keys: env.array('APP_KEYS') } });\n",
      'config/admin.js':
        "module.exports = ({ env }) => ({ auth: { secret: env('ADMIN_JWT_SECRET') }, apiToken: { salt: env('API_TOKEN_SALT') }, transfer: { token: { salt: env('TRANSFER_TOKEN_SALT') } }, secrets: { encryptionKey: env('ENCRYPTION_KEY') } });\n",
      'config/middlewares.js':
        "module.exports = ['strapi::logger','strapi::errors','strapi::security','strapi::cors','strapi::poweredBy','strapi::query','strapi::body','strapi::session','strapi::favicon','strapi::public'];\n",
      // As the README's installation section shows (the SMTP relay set-up), with the app's own
      // student type added; the relay is the local SMTP server instead of smtp.sendgrid.net.
      'config/plugins.js': `module.exports = ({ env }) => ({
  email: {
    config: {
      provider: 'nodemailer',
      providerOptions: {
        host: env('SMTP_HOST', 'smtp.sendgrid.net'),
        port: env.int('SMTP_PORT', 587),
        secure: false,
        ignoreTLS: true,
      },
      settings: { defaultFrom: 'registry@college.example', defaultReplyTo: 'registry@college.example' },
    },
  },
  deliverability: {
    enabled: true,
    config: {
      publicUrl: env('DELIVERABILITY_PUBLIC_URL'),
      sending: { email: 'email-plugin', emailProvider: 'sendgrid', messageIdDomain: 'college.example', sms: 'sandbox' },
      contacts: [
        { uid: 'plugin::deliverability.contact' },
        { uid: '${STUDENT}', fields: { email: 'email', mobile: 'mobilePhone', externalId: 'studentNumber', displayName: ['firstName', 'lastName'] } },
      ],
    },
  },
});
`,
      'src/index.js': 'module.exports = { register() {}, bootstrap() {} };\n',
      'src/api/student/content-types/student/schema.json': JSON.stringify({
        kind: 'collectionType',
        collectionName: 'students',
        info: { singularName: 'student', pluralName: 'students', displayName: 'Student' },
        options: { draftAndPublish: false },
        attributes: {
          firstName: { type: 'string' },
          lastName: { type: 'string' },
          studentNumber: { type: 'string', unique: true },
          email: { type: 'email' },
          mobilePhone: { type: 'string' },
        },
      }),
      'src/api/student/routes/student.js': "const { factories } = require('@strapi/strapi');\nmodule.exports = factories.createCoreRouter('api::student.student');\n",
      'src/api/student/controllers/student.js': "const { factories } = require('@strapi/strapi');\nmodule.exports = factories.createCoreController('api::student.student');\n",
      'src/api/student/services/student.js': "const { factories } = require('@strapi/strapi');\nmodule.exports = factories.createCoreService('api::student.student');\n",
      'public/uploads/.gitkeep': '',
    });

    // 3. Install Strapi and the plugin from the tarball, as a site would.
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir);
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, tarball)], dir);
    // The package carries its licence.
    expect(fs.readFileSync(path.join(dir, 'node_modules/strapi-plugin-deliverability/LICENSE'), 'utf8')).toMatch(/^MIT License/);

    env = {
      PORT: String(port),
      APP_KEYS: 'a2V5MQ==,a2V5Mg==',
      ADMIN_JWT_SECRET: 'install-test-admin',
      API_TOKEN_SALT: 'install-test-salt',
      TRANSFER_TOKEN_SALT: 'install-test-transfer',
      ENCRYPTION_KEY: 'install-test-encryption',
      DELIVERABILITY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      DELIVERABILITY_SENDGRID_PUBLIC_KEY: publicKey,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtpPort),
      STRAPI_TELEMETRY_DISABLED: 'true',
      NODE_ENV: 'production',
    };
    // 4. The first admin, non-interactively, then boot.
    run(process.execPath, [path.join(dir, 'node_modules/@strapi/strapi/bin/strapi.js'), 'admin:create-user', '--firstname=Ada', '--lastname=Admin', '--email=admin@college.example', '--password=Install-test-1'], dir, env);
    strapi = await boot(dir, env);
    const login = await fetch(`${base()}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@college.example', password: 'Install-test-1' }),
    });
    token = ((await login.json()) as { data: { token: string } }).data.token;
  });

  afterAll(async () => {
    await stop(strapi);
    await smtp?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const admin = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${base()}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // Another app's JSON: the assertions below check its shape.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, any> };
  };

  let studentId = '';

  it('sends through the SMTP relay; a signed relay-style SendGrid bounce fails the message and the student email', async () => {
    const created = await admin('POST', `/content-manager/collection-types/${STUDENT}`, {
      firstName: 'Amira',
      lastName: 'Haddad',
      studentNumber: 'S-1001',
      email: 'amira.haddad@college.example',
    });
    expect(created.status).toBe(201);
    studentId = created.body.data.documentId;

    // A message to the student, through the content API with a Custom API token granted the
    // README's actions.
    const apiToken = await admin('POST', '/admin/api-tokens', {
      name: 'crm',
      type: 'custom',
      lifespan: null,
      permissions: ['plugin::deliverability.messages.send', 'plugin::deliverability.messages.findOne'],
    });
    expect(apiToken.status).toBe(201);
    const crm = (url: string, init: RequestInit = {}) =>
      fetch(`${base()}${url}`, { ...init, headers: { authorization: `Bearer ${apiToken.body.data.accessKey}`, 'content-type': 'application/json' } });
    const sent = await crm('/api/deliverability/messages', {
      method: 'POST',
      body: JSON.stringify({ channel: 'email', to: { contact: studentId, type: STUDENT }, subject: 'Welcome', text: 'Hello', source: 'touchpoint', sourceName: 'Welcome' }),
    });
    expect(sent.status).toBe(201);
    const message = ((await sent.json()) as { data: { id: string; status: string } }).data;
    expect(message.status).toBe('sent');

    // What the relay received: SendGrid echoes X-SMTPAPI's unique_args, and the Message-ID as smtp-id.
    const raw = smtp.relayed.get('amira.haddad@college.example')!;
    expect(raw).toBeDefined();
    const uniqueArgs = (JSON.parse(header(raw, 'X-SMTPAPI')!) as { unique_args: Record<string, string> }).unique_args;
    expect(uniqueArgs).toEqual({ deliverability_id: message.id, deliverability_attempt: '1' });

    // SendGrid reports a hard bounce as its relay does, signed with the site's key.
    const at = Math.floor(Date.now() / 1000);
    const body = JSON.stringify([
      {
        email: 'amira.haddad@college.example',
        timestamp: at,
        'smtp-id': header(raw, 'Message-ID'),
        event: 'bounce',
        type: 'bounce',
        status: '5.1.1',
        reason: '550 5.1.1 user unknown',
        sg_event_id: 'install-test-1',
        sg_message_id: 'sg-1.filter0001.1.0',
        ...uniqueArgs,
      },
    ]);
    const key = createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' });
    const signature = sign('sha256', Buffer.concat([Buffer.from(String(at)), Buffer.from(body)]), { key, dsaEncoding: 'der' }).toString('base64');
    const webhook = await fetch(`${base()}/api/deliverability/webhooks/sendgrid`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': String(at) },
      body,
    });
    expect(webhook.status).toBe(200);

    // The message itself is bounced, not only the address failed.
    const after = await crm(`/api/deliverability/messages/${message.id}`);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { data: { status: string } }).data.status).toBe('bounced');

    const lookup = await admin('POST', '/deliverability/addresses/lookup', { addresses: [{ channel: 'email', address: 'amira.haddad@college.example' }] });
    expect(lookup.status).toBe(200);
    expect(JSON.stringify(lookup.body)).toMatch(/"failed"/);

    const logs = await admin('GET', `/deliverability/contacts/${studentId}/logs?type=${encodeURIComponent(STUDENT)}`);
    expect(logs.status).toBe(200);
    const text = JSON.stringify(logs.body);
    expect(text).toContain(message.id);
    expect(text).toContain('bounced');
  });

  it('keeps the students, and the plugin tables, when the plugin is removed in the README steps', async () => {
    await stop(strapi);
    strapi = undefined;
    const before = run(process.execPath, ['-e', "const D=require('better-sqlite3');const db=new D('.tmp/data.db');console.log(JSON.stringify(db.prepare('select document_id, email, student_number from students order by id').all()))"], dir);
    // The README: before removing the plugin, stop Strapi's schema sync from dropping tables it no longer knows.
    fs.writeFileSync(
      path.join(dir, 'config/database.js'),
      "const path = require('path');\nmodule.exports = () => ({ connection: { client: 'sqlite', connection: { filename: path.join(__dirname, '..', '.tmp', 'data.db') }, useNullAsDefault: true }, settings: { forceMigration: false } });\n",
    );
    // 1. Remove the plugin's block from config/plugins (the Email plugin's stays). 2. Uninstall.
    // 3. Restart (a JavaScript app: nothing to rebuild).
    const plugins = fs.readFileSync(path.join(dir, 'config/plugins.js'), 'utf8');
    const withoutBlock = plugins.replace(/\n {2}deliverability: \{[\s\S]*?\n {2}\},\n/, '\n');
    expect(withoutBlock).not.toContain('deliverability');
    fs.writeFileSync(path.join(dir, 'config/plugins.js'), withoutBlock);
    run('npm', ['uninstall', '--no-audit', '--no-fund', 'strapi-plugin-deliverability'], dir);
    strapi = await boot(dir, env);
    await stop(strapi);
    strapi = undefined;
    const after = run(process.execPath, ['-e', "const D=require('better-sqlite3');const db=new D('.tmp/data.db');console.log(JSON.stringify(db.prepare('select document_id, email, student_number from students order by id').all()))"], dir);
    expect(JSON.parse(after)).toEqual(JSON.parse(before));
    expect(JSON.parse(after)).toHaveLength(1);
    expect(studentId).not.toBe('');
    // With forceMigration off, the delivery history is still there for a later reinstall or an export.
    const tables = run(process.execPath, ['-e', "const D=require('better-sqlite3');const db=new D('.tmp/data.db');console.log(JSON.stringify(db.prepare(\"select name from sqlite_master where type='table' and name like 'deliverability_%'\").all().map(r=>r.name)))"], dir);
    expect(JSON.parse(tables)).toEqual(expect.arrayContaining(['deliverability_logs', 'deliverability_events', 'deliverability_addresses']));
    const logs = run(process.execPath, ['-e', "const D=require('better-sqlite3');const db=new D('.tmp/data.db');console.log(db.prepare('select count(*) c from deliverability_logs').get().c)"], dir);
    expect(Number(logs.trim())).toBe(1);
  });
});
