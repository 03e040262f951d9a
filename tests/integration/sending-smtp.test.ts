/**
 * The Email-plugin path against a real SMTP server on 127.0.0.1 (smtp-server), through Strapi's
 * nodemailer provider: accepted mail carries the plugin's Message-ID; a 550 is a hard failure; a
 * 452 is retried on the backoff schedule until the window runs out, and three messages in a row
 * that run out escalate the address to failed.
 */
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { freePort, startApp, type TestApp } from '../helpers/app';

const LOG = 'plugin::deliverability.delivery-log';
const HOUR = 3_600_000;

let app: TestApp;
let smtp: SMTPServer;
const received: { to: string[]; raw: string }[] = [];

function rcptError(address: SMTPServerAddress): Error | null {
  const domain = address.address.split('@')[1];
  if (domain === 'reject.example') return Object.assign(new Error('5.1.1 <' + address.address + '>: Recipient address rejected: User unknown'), { responseCode: 550 });
  if (domain === 'full.example') return Object.assign(new Error('4.2.2 Mailbox full, try again later'), { responseCode: 452 });
  return null;
}

const messages = () =>
  app.strapi.plugin('deliverability').service('messages') as {
    send(input: unknown): Promise<{ id: string; status: string; lastError: string | null; nextAttemptAt: string | null }>;
  };
const retrier = () => app.strapi.plugin('deliverability').service('retrier') as { tick(now?: Date): Promise<{ claimed: number }> };
const logOf = (id: string) => app.strapi.db.query(LOG).findOne({ where: { documentId: id } });
const ledgerOf = (address: string) => app.strapi.db.query('plugin::deliverability.address').findOne({ where: { channel: 'email', address } });
const email = (address: string) => messages().send({ channel: 'email', to: { address }, subject: 'Enrolment', text: 'Welcome', source: 'grab', sourceName: 'Enrolment grab' });

beforeAll(async () => {
  const smtpPort = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      callback(rcptError(address) ?? undefined);
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
  app = await startApp('smtp', {
    plugins: {
      email: {
        config: {
          provider: 'nodemailer',
          providerOptions: { host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true },
          settings: { defaultFrom: 'registry@college.example', defaultReplyTo: 'registry@college.example' },
        },
      },
    },
    pluginConfig: {
      sending: { email: 'email-plugin', emailProvider: 'smtp', messageIdDomain: 'college.example' },
      retrier: { enabled: false },
    },
  });
});

afterAll(async () => {
  await app?.stop();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
});

it('hands accepted mail to the SMTP server with the plugin Message-ID', async () => {
  const sent = await email('student@college.example');
  expect(sent.status).toBe('sent');
  const mail = received.find((m) => m.to.includes('student@college.example'));
  expect(mail).toBeDefined();
  expect(mail!.raw).toMatch(new RegExp(`Message-ID: <dlv\\.${sent.id}\\.1@college\\.example>`, 'i'));
  expect(mail!.raw).toMatch(new RegExp(`X-Deliverability-Id: ${sent.id}\\.1`, 'i'));
  expect((await logOf(sent.id)).providerMessageId).toBe(`<dlv.${sent.id}.1@college.example>`);
});

it('treats a 550 as a hard failure: Bounced, and the address failed', async () => {
  const sent = await email('nobody@reject.example');
  expect(sent.status).toBe('bounced');
  expect(sent.lastError).toMatch(/550/);
  expect(sent.lastError).toMatch(/5\.1\.1/);
  const ledger = await ledgerOf('nobody@reject.example');
  expect(ledger.state).toBe('failed');
  expect(ledger.providerCode).toMatch(/550/);
  expect(received.some((m) => m.to.includes('nobody@reject.example'))).toBe(false);
  expect((await email('nobody@reject.example')).status).toBe('dropped');
});

it('treats a 452 as soft: deferred 15 minutes, then re-sent by the retrier', async () => {
  const sent = await email('busy@full.example');
  expect(sent.status).toBe('deferred');
  const log = await logOf(sent.id);
  expect(new Date(log.nextAttemptAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
  expect((await ledgerOf('busy@full.example')).state).toBe('soft_bouncing');
  await retrier().tick(new Date(Date.now() + 16 * 60_000));
  const after = await logOf(sent.id);
  expect(after.attempts).toBe(2);
  expect(after.status).toBe('deferred');
});

it('ends a message as "retries exhausted" when the window runs out, and escalates after three in a row', async () => {
  const address = 'gone-quiet@full.example';
  const exhausted: string[] = [];
  for (let i = 0; i < 3; i++) {
    const sent = await email(address);
    expect(sent.status).toBe('deferred');
    // Move the message to the end of its 72 h window: the next soft failure has no room left.
    await app.strapi.db.query(LOG).update({
      where: { documentId: sent.id },
      data: { firstAttemptAt: new Date(Date.now() - 71 * HOUR), nextAttemptAt: new Date(Date.now() - 1000), attempts: 9 },
    });
    await retrier().tick();
    const log = await logOf(sent.id);
    expect(log.status).toBe('failed');
    expect(log.lastError).toMatch(/^Retries exhausted after 10 attempts over 72 h/);
    exhausted.push(sent.id);
    const ledger = await ledgerOf(address);
    expect(ledger.exhaustedStreak).toBe(i + 1);
    expect(ledger.state).toBe(i < 2 ? 'soft_bouncing' : 'failed');
  }
  expect((await ledgerOf(address)).reason).toMatch(/3 messages in a row ran out of retries/);
  expect((await email(address)).status).toBe('dropped');
});
