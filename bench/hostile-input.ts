/**
 * Hostile input (issue 11): the worst bodies of the largest size any provider's webhook accepts
 * (webhooks.maxBodyBytes, 4 MB by default), each built to hit a costly path, through everything a
 * request does before the database: signature check, parse, the shared finishing step (well-formed
 * text, bounded keys), the unreadable-item path, and the address normalization the intake does on
 * every event (three times an event, as intake.ts calls it). Target: each under 200 ms.
 *
 *   node -r ./bench/register.js bench/hostile-input.ts           (BENCH_RUNS=7 by default)
 *
 * Then the one whose database work is a single row (a single SendGrid event with a 4 MB
 * pathological email) is also posted over HTTP to a real Strapi on SQLite, end to end.
 * Before the fix, that address alone (the quadratic email pattern) held the process about 20 s at
 * 100 KB (`"x@" + "a.".repeat(50000) + "@"`), and grows with the square of its length.
 */
import { createHmac, randomBytes, randomUUID, sign as cryptoSign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { normalizeAddress } from '../server/src/core/addresses';
import { webhookProviders } from '../server/src/providers';
import { emptyProviderSettings } from '../server/src/providers/shared';
import { signSendgridBody } from '../server/src/providers/sendgrid/simulate';
import type { ProviderSettings, WebhookProviderName, WebhookRequest } from '../server/src/providers/types';
import { SHARED, startApp } from '../tests/helpers/app';
import { median, round } from './lib/stats';

// ---------------------------------------------------------------------------------------------
// Each provider's signature, with the TEST-ONLY vectors in ../shared/providers (as the tests sign).

const VECTORS = path.join(SHARED, 'providers', 'vectors');
const vector = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8')) as T;
const vectors = {
  sendgrid: vector<{ publicKeyBase64Der: string; privateKeyPemTestOnly: string }>('sendgrid_own_vector.json'),
  mailgun: vector<{ webhookSigningKey: string }>('mailgun_own_vector.json'),
  sns: vector<{ notification: Record<string, string> }>('sns_own_vector.json'),
  twilio: vector<{ authToken: string }>('twilio_own_vector.json'),
  vonage: vector<{ signatureSecret: string }>('vonage_own_vector.json'),
};
const SNS_KEY = fs.readFileSync(path.join(VECTORS, 'sns_test_key.pem'), 'utf8');
const SNS_CERT = fs.readFileSync(path.join(VECTORS, 'sns_test_cert.pem'), 'utf8');
const WEBHOOKS = '/api/deliverability/webhooks';

const sendgridHeaders = (body: string): Record<string, string> => ({
  'content-type': 'application/json',
  ...lower(signSendgridBody(body, vectors.sendgrid.privateKeyPemTestOnly, Date.now())),
});

function mailgunSigned(body: Record<string, unknown>): Record<string, unknown> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = randomBytes(25).toString('hex');
  const signature = createHmac('sha256', vectors.mailgun.webhookSigningKey).update(timestamp + token).digest('hex');
  return { ...body, signature: { timestamp, token, signature } };
}

function snsNotification(message: unknown): Record<string, string> {
  const envelope: Record<string, string> = {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: vectors.sns.notification.TopicArn,
    Message: JSON.stringify(message),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '2',
    SigningCertURL: vectors.sns.notification.SigningCertURL,
  };
  const text = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    .filter((key) => envelope[key] !== undefined)
    .map((key) => `${key}\n${envelope[key]}\n`)
    .join('');
  return { ...envelope, Signature: cryptoSign('sha256', Buffer.from(text), SNS_KEY).toString('base64') };
}

function twilioHeaders(url: string, form: string): Record<string, string> {
  const params = new URLSearchParams(form);
  let data = url;
  for (const name of [...new Set(params.keys())].sort()) for (const value of [...new Set(params.getAll(name))].sort()) data += name + value;
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': createHmac('sha1', vectors.twilio.authToken).update(data).digest('base64') };
}

function vonageSigned(params: Record<string, string>): Record<string, string> {
  const signed: Record<string, string> = { ...params, timestamp: String(Math.floor(Date.now() / 1000)), nonce: randomUUID() };
  const text = Object.keys(signed)
    .sort()
    .map((name) => `&${name}=${signed[name].replace(/[&=]/g, '_')}`)
    .join('');
  return { ...signed, sig: createHmac('sha256', vectors.vonage.signatureSecret).update(text).digest('hex') };
}

const basicAuth = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

// ---------------------------------------------------------------------------------------------

const LIMIT = 4 * 1024 * 1024;
const TARGET_MS = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TWILIO_URL = `https://crm.example.ac.uk${WEBHOOKS}/twilio`;

/** `x@a.a.a.…@`: the quadratic case for the old email pattern, `length` characters long. */
const dotsEmail = (length: number): string => `x@${'a.'.repeat(Math.floor((length - 3) / 2))}@`;

interface Case {
  provider: WebhookProviderName;
  what: string;
  body: Buffer;
  headers: Record<string, string>;
  query?: Record<string, string>;
}

function sized(what: string, body: string): string {
  const bytes = Buffer.byteLength(body);
  if (bytes > LIMIT) throw new Error(`${what}: ${bytes} bytes, over the ${LIMIT}-byte limit`);
  return body;
}

/** Fills a JSON array with copies of `item(i)` until the next one would pass the limit. */
function batchOf(item: (i: number) => unknown): string {
  const parts: string[] = [];
  let size = 2;
  for (let i = 0; ; i += 1) {
    const text = JSON.stringify(item(i));
    if (size + text.length + 1 > LIMIT) break;
    parts.push(text);
    size += text.length + 1;
  }
  return `[${parts.join(',')}]`;
}

function cases(): Case[] {
  const now = Math.floor(Date.now() / 1000);
  const sendgrid = (what: string, body: string): Case => ({ provider: 'sendgrid', what, body: Buffer.from(sized(what, body)), headers: sendgridHeaders(body) });
  const list: Case[] = [
    sendgrid('one event, 4 MB pathological email', JSON.stringify([{ email: dotsEmail(LIMIT - 200), event: 'bounce', sg_event_id: 'e1', timestamp: now }])),
    sendgrid(
      'a full batch of 300-character pathological emails',
      batchOf((i) => ({ email: dotsEmail(300), event: 'bounce', sg_event_id: `e${i}`, timestamp: now })),
    ),
    sendgrid(
      'a full batch of 254-character valid-looking emails',
      batchOf((i) => ({ email: `${'a'.repeat(240)}${String(i).padStart(6, '0')}@ex.com`.slice(-254), event: 'delivered', sg_event_id: `e${i}`, timestamp: now })),
    ),
    sendgrid('one event, 4 MB of lone surrogates in sg_event_id', `[{"email":"a@example.com","event":"delivered","sg_event_id":"${'\\ud800'.repeat(Math.floor((LIMIT - 100) / 6))}"}]`),
    sendgrid('a full batch of unreadable events (no email)', batchOf((i) => ({ event: 'delivered', sg_event_id: `e${i}`, padding: 'x'.repeat(200) }))),
    sendgrid('one 4 MB unreadable event', JSON.stringify([{ event: 'delivered', padding: 'x'.repeat(LIMIT - 100) }])),
    sendgrid('a full batch of timestamps 1e308', batchOf((i) => ({ email: 'a@example.com', event: 'delivered', sg_event_id: `e${i}`, timestamp: 1e308 }))),
    // Not hostile: the same number of ordinary small events, for comparison (the cost follows the event count).
    sendgrid('reference: a full batch of small ordinary events', batchOf((i) => ({ email: 'a@example.com', event: 'delivered', sg_event_id: `e${i}`, timestamp: now }))),
  ];

  const mailgunBody = JSON.stringify(mailgunSigned({ 'event-data': { event: 'failed', severity: 'permanent', id: 'm1', timestamp: now, recipient: dotsEmail(LIMIT - 400) } }));
  list.push({ provider: 'mailgun', what: '4 MB pathological recipient', body: Buffer.from(sized('mailgun', mailgunBody)), headers: { 'content-type': 'application/json' } });

  const postmarkBody = JSON.stringify({ RecordType: 'Bounce', Type: 'HardBounce', ID: 1, Email: dotsEmail(LIMIT - 200), BouncedAt: new Date().toISOString() });
  list.push({
    provider: 'postmark',
    what: '4 MB pathological Email',
    body: Buffer.from(sized('postmark', postmarkBody)),
    headers: { 'content-type': 'application/json', authorization: basicAuth('u', 'p') },
  });

  // SNS carries the SES notification as a string inside the envelope: JSON inside JSON.
  const recipients = Array.from({ length: 11_500 }, () => ({ emailAddress: dotsEmail(300), status: '5.1.1' }));
  const ses = {
    notificationType: 'Bounce',
    mail: { messageId: 'ses-1', destination: [], timestamp: new Date().toISOString() },
    bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: recipients, timestamp: new Date().toISOString() },
  };
  const envelope = snsNotification(ses);
  list.push({ provider: 'ses', what: '11,500 pathological recipients in one notification', body: Buffer.from(sized('ses', JSON.stringify(envelope))), headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' } });

  // Twilio and Vonage callbacks are small: each module caps its bodies (64 KB), so their worst
  // accepted body is one just under the cap; a 4 MB one is refused before it is read.
  const twilioCap = webhookProviders.twilio.maxBodyBytes ?? LIMIT;
  for (const [what, size] of [
    ['To with separators, just under its cap', twilioCap],
    ['4 MB To with separators (over its cap)', LIMIT],
  ] as const) {
    const form = new URLSearchParams({ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: '30005', To: `+44 ${'7 '.repeat(Math.floor((size - 200) / 2))}` }).toString();
    list.push({ provider: 'twilio', what, body: Buffer.from(sized('twilio', form)), headers: twilioHeaders(TWILIO_URL, form) });
  }
  const vonageCap = webhookProviders.vonage.maxBodyBytes ?? LIMIT;
  for (const [what, size] of [
    ['msisdn just under its cap', vonageCap],
    ['4 MB msisdn (over its cap)', LIMIT],
  ] as const) {
    const vonageBody = JSON.stringify(vonageSigned({ msisdn: '4'.repeat(size - 400), messageId: 'v1', status: 'failed', 'err-code': '1' }));
    list.push({ provider: 'vonage', what, body: Buffer.from(sized('vonage', vonageBody)), headers: { 'content-type': 'application/json' } });
  }
  return list;
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function settings(): ProviderSettings {
  return {
    ...emptyProviderSettings(),
    sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der },
    mailgun: { signingKey: vectors.mailgun.webhookSigningKey },
    postmark: { user: 'u', password: 'p' },
    ses: { topicArns: [vectors.sns.notification.TopicArn], fetchCertificate: async () => SNS_CERT },
    twilio: { authToken: vectors.twilio.authToken },
    vonage: { signatureSecret: vectors.vonage.signatureSecret, signatureMethod: 'sha256' },
  };
}

/** Everything before the database, as the webhooks service and the intake do it. */
async function processOnce(c: Case, s: ProviderSettings, certificateCache: Map<string, string>): Promise<{ events: number; unreadable: number }> {
  const provider = webhookProviders[c.provider];
  // As the webhooks service does first: 413 for a body over the provider's own cap.
  if (provider.maxBodyBytes !== undefined && c.body.length > provider.maxBodyBytes) return { events: 0, unreadable: 0 };
  const req: WebhookRequest = { rawBody: c.body, headers: c.headers, method: 'POST', publicUrl: TWILIO_URL, query: c.query ?? {} };
  const now = Date.now();
  const verdict = await provider.verify(req, { settings: s, now, maxAgeSeconds: 172_800, certificateCache });
  if (!verdict.ok) throw new Error(`${c.provider} ${c.what}: refused (${verdict.reason})`);
  const parsed = provider.parse(req, { settings: s, now });
  for (const event of parsed.events) {
    for (let i = 0; i < 3; i += 1) normalizeAddress(event.channel, event.address);
  }
  return { events: parsed.events.length, unreadable: parsed.unreadable?.length ?? 0 };
}

async function main(): Promise<void> {
  const s = settings();
  const certificateCache = new Map<string, string>();
  const rows: string[][] = [];
  let worst = 0;
  let worstMedian = 0;
  for (const c of cases()) {
    const samples: number[] = [];
    let counts = { events: 0, unreadable: 0 };
    await processOnce(c, s, certificateCache); // warm-up, not timed
    for (let run = 0; run < RUNS; run += 1) {
      const start = performance.now();
      counts = await processOnce(c, s, certificateCache);
      samples.push(performance.now() - start);
    }
    const max = Math.max(...samples);
    worst = Math.max(worst, max);
    worstMedian = Math.max(worstMedian, median(samples));
    rows.push([
      c.provider,
      c.what,
      (c.body.length / 1024 / 1024).toFixed(2),
      String(counts.events),
      String(counts.unreadable),
      String(round(median(samples), 1)),
      String(round(max, 1)),
      median(samples) < TARGET_MS ? 'yes' : 'NO',
    ]);
  }

  // End to end over HTTP, with the database: the single-event case.
  const app = await startApp('bench-hostile', { pluginConfig: { providers: { sendgrid: { publicKey: vectors.sendgrid.publicKeyBase64Der } } } });
  const http: number[] = [];
  try {
    for (let run = -1; run < RUNS; run += 1) {
      const body = JSON.stringify([{ email: dotsEmail(LIMIT - 200), event: 'bounce', sg_event_id: `http-${run}`, timestamp: Math.floor(Date.now() / 1000) }]);
      const start = performance.now();
      const response = await request(app.server).post(`${WEBHOOKS}/sendgrid`).set(sendgridHeaders(body)).send(body);
      if (run >= 0) http.push(performance.now() - start); // run -1 warms Strapi up
      if (response.status !== 200) throw new Error(`HTTP run answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
  } finally {
    await app.stop();
  }
  const httpMax = Math.max(...http);
  rows.push(['sendgrid', 'one event, 4 MB pathological email, over HTTP into SQLite', '4.00', '1', '0', String(round(median(http), 1)), String(round(httpMax, 1)), median(http) < TARGET_MS ? 'yes' : 'NO']);

  const header = ['provider', 'body', 'MB', 'events', 'unreadable', 'median ms', 'max ms', `< ${TARGET_MS} ms`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write(
    `\nBefore the database: worst median ${round(worstMedian, 1)} ms, worst single run ${round(worst, 1)} ms; ` +
      `end to end over HTTP: median ${round(median(http), 1)} ms, worst ${round(httpMax, 1)} ms (${RUNS} runs each after a warm-up, Node ${process.version}).\n`,
  );
  if (worstMedian >= TARGET_MS || median(http) >= TARGET_MS) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
