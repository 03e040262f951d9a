/**
 * Helpers for the webhook integration tests: the provider samples and TEST-ONLY vectors from
 * ../shared/providers, each provider's signing scheme implemented here from the providers' own
 * descriptions (so that the tests do not check the plugin against itself), and small views of the
 * database for before/after comparisons.
 */
import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID, sign as cryptoSign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import request from 'supertest';
import type { Channel } from '../../server/src/core/events';
import type { AddressState, MessageStatus } from '../../server/src/core/statuses';
import type { EventOutcome } from '../../server/src/content-types/delivery-event/schema';
import { table, type Row } from '../../server/src/utils/plugin';
import { UID } from '../../server/src/utils/uids';
import { SHARED, type TestApp } from './app';

export { UID };

export const PAYLOADS = path.join(SHARED, 'providers', 'payloads');
export const VECTORS = path.join(SHARED, 'providers', 'vectors');
export const WEBHOOKS = '/api/deliverability/webhooks';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A sample body, exactly as stored. */
export function payloadText(provider: string, file: string): string {
  return fs.readFileSync(path.join(PAYLOADS, provider, file), 'utf8');
}

export function payloadJson<T extends Json = JsonObject>(provider: string, file: string): T {
  return JSON.parse(payloadText(provider, file)) as T;
}

/** The body of a `*.txt` sample written as a raw HTTP request (headers, blank line, body). */
export function payloadRequestBody(provider: string, file: string): string {
  const text = payloadText(provider, file);
  const blank = text.indexOf('\n\n');
  return (blank >= 0 ? text.slice(blank + 2) : text).trim();
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------------------------
// Vectors.

export interface SendgridVector {
  publicKeyBase64Der: string;
  privateKeyPemTestOnly: string;
  headers: Record<'X-Twilio-Email-Event-Webhook-Timestamp' | 'X-Twilio-Email-Event-Webhook-Signature', string>;
  rawBodyJsonString: string;
}
export interface MailgunVector {
  webhookSigningKey: string;
  timestamp: string;
  token: string;
  expectedSignatureHex: string;
}
export interface SnsVector {
  certPem: string;
  notification: Record<string, string>;
  subscriptionConfirmation: Record<string, string>;
}
export interface TwilioVector {
  authToken: string;
  url: string;
  formBody: string;
  expectedSignature: string;
  sameRequestIfTwilioSignedWithExplicitPort443: { url: string; expectedSignature: string };
}
export interface VonageVector {
  signatureSecret: string;
  params: Record<string, string>;
  md5hash: string;
  hmacSha256: string;
}

function readVector<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8')) as T;
}

export const vectors = {
  sendgrid: readVector<SendgridVector>('sendgrid_own_vector.json'),
  mailgun: readVector<MailgunVector>('mailgun_own_vector.json'),
  sns: readVector<SnsVector>('sns_own_vector.json'),
  twilio: readVector<TwilioVector>('twilio_own_vector.json'),
  vonage: readVector<VonageVector>('vonage_own_vector.json'),
};

export const SNS_TEST_KEY_PEM = fs.readFileSync(path.join(VECTORS, 'sns_test_key.pem'), 'utf8');
export const SNS_TEST_CERT_PEM = fs.readFileSync(path.join(VECTORS, 'sns_test_cert.pem'), 'utf8');

// ---------------------------------------------------------------------------------------------
// SendGrid: ECDSA P-256 / SHA-256 over the timestamp header followed by the raw body, DER, base64.

export const SENDGRID_SIGNATURE = 'X-Twilio-Email-Event-Webhook-Signature';
export const SENDGRID_TIMESTAMP = 'X-Twilio-Email-Event-Webhook-Timestamp';

/** Another P-256 key pair: a signature made with it must be refused. */
export function otherEcPrivateKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function sendgridHeaders(
  body: string | Buffer,
  options: { timestamp?: number | string; privateKeyPem?: string } = {},
): Record<string, string> {
  const timestamp = String(options.timestamp ?? nowSeconds());
  const signature = cryptoSign('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), Buffer.from(body)]), {
    key: options.privateKeyPem ?? vectors.sendgrid.privateKeyPemTestOnly,
    dsaEncoding: 'der',
  });
  return {
    'Content-Type': 'application/json;charset=utf-8',
    [SENDGRID_SIGNATURE]: signature.toString('base64'),
    [SENDGRID_TIMESTAMP]: timestamp,
  };
}

// ---------------------------------------------------------------------------------------------
// Mailgun: hex(HMAC-SHA256(signing key, timestamp + token)) inside the JSON body.

export function mailgunSignature(key: string, timestamp: string, token: string): string {
  return createHmac('sha256', key).update(timestamp + token, 'utf8').digest('hex');
}

/** The body with a fresh (or the given) signature block; the rest of the body is kept as is. */
export function mailgunSigned(
  body: JsonObject,
  options: { key?: string; timestamp?: number | string; token?: string } = {},
): JsonObject {
  const timestamp = String(options.timestamp ?? nowSeconds());
  const token = options.token ?? randomBytes(25).toString('hex');
  const key = options.key ?? vectors.mailgun.webhookSigningKey;
  return { ...body, signature: { timestamp, token, signature: mailgunSignature(key, timestamp, token) } };
}

// ---------------------------------------------------------------------------------------------
// Postmark: HTTP Basic credentials from the webhook URL.

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Amazon SNS: RSA over `Key\nValue\n` for the signed keys in byte order (SHA1 for version 1, SHA256 for 2).

export const SNS_TOPIC = vectors.sns.notification.TopicArn;
export const SNS_CERT_URL = vectors.sns.notification.SigningCertURL;

const SNS_NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const SNS_CONFIRMATION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];

export function snsStringToSign(envelope: Record<string, string>): string {
  const keys = envelope.Type === 'Notification' ? SNS_NOTIFICATION_KEYS : SNS_CONFIRMATION_KEYS;
  return keys
    .filter((key) => envelope[key] !== undefined)
    .map((key) => `${key}\n${envelope[key]}\n`)
    .join('');
}

/** The envelope with its `Signature` (re)computed with the TEST-ONLY key (or the one given). */
export function snsSigned(envelope: Record<string, string>, keyPem: string = SNS_TEST_KEY_PEM): Record<string, string> {
  const algorithm = envelope.SignatureVersion === '1' ? 'sha1' : 'sha256';
  const signature = cryptoSign(algorithm, Buffer.from(snsStringToSign(envelope), 'utf8'), keyPem).toString('base64');
  return { ...envelope, Signature: signature };
}

/** A signed SNS Notification carrying an SES message (object or text), stamped now unless told. */
export function snsNotification(
  message: Json | string,
  options: { topicArn?: string; timestamp?: string; messageId?: string; keyPem?: string } = {},
): Record<string, string> {
  const envelope: Record<string, string> = {
    Type: 'Notification',
    MessageId: options.messageId ?? randomUUID(),
    TopicArn: options.topicArn ?? SNS_TOPIC,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: options.timestamp ?? new Date().toISOString(),
    SignatureVersion: '2',
    SigningCertURL: SNS_CERT_URL,
    UnsubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${options.topicArn ?? SNS_TOPIC}:test`,
  };
  return snsSigned(envelope, options.keyPem);
}

/** The headers SNS sends with an envelope. */
export function snsHeaders(envelope: Record<string, string>): Record<string, string> {
  return {
    'Content-Type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': envelope.Type,
    'x-amz-sns-message-id': envelope.MessageId,
    'x-amz-sns-topic-arn': envelope.TopicArn,
  };
}

/** Another RSA key: signatures made with it must be refused. */
export function otherRsaPrivateKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

// ---------------------------------------------------------------------------------------------
// Twilio: base64(HMAC-SHA1(auth token, url + each form field sorted by name, as name + value)).

export function twilioSignature(authToken: string, url: string, form: string): string {
  const params = new URLSearchParams(form);
  let data = url;
  for (const name of [...new Set(params.keys())].sort()) {
    for (const value of [...new Set(params.getAll(name))].sort()) data += name + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export function twilioHeaders(authToken: string, url: string, form: string): Record<string, string> {
  return { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilioSignature(authToken, url, form) };
}

// ---------------------------------------------------------------------------------------------
// Vonage: parameters except `sig`, `&` and `=` in values replaced by `_`, sorted, as `&name=value`;
// md5hash = hex(MD5(string + secret)), otherwise hex(HMAC-<alg>(secret, string)).

export type VonageMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';

export function vonageSignature(params: Record<string, string>, secret: string, method: VonageMethod): string {
  const text = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${params[name].replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash') return createHash('md5').update(text + secret, 'utf8').digest('hex');
  return createHmac(method, secret).update(text, 'utf8').digest('hex');
}

/** The parameters with a fresh `timestamp` and `nonce` (unless given) and their `sig`. */
export function vonageSigned(
  params: Record<string, string>,
  options: { secret?: string; method?: VonageMethod; timestamp?: number | string } = {},
): Record<string, string> {
  const signed: Record<string, string> = { ...params, timestamp: String(options.timestamp ?? nowSeconds()), nonce: params.nonce ?? randomUUID() };
  delete signed.sig;
  signed.sig = vonageSignature(signed, options.secret ?? vectors.vonage.signatureSecret, options.method ?? 'sha256');
  return signed;
}

// ---------------------------------------------------------------------------------------------
// Requests.

export function postWebhook(app: TestApp, pathAndQuery: string, body: string | Buffer, headers: Record<string, string>) {
  return request(app.server).post(`${WEBHOOKS}/${pathAndQuery}`).set(headers).send(body);
}

// ---------------------------------------------------------------------------------------------
// Configuration changes while the app runs (the plugin's config service re-reads on reload()).

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

function merged(base: Plain, patch: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = isPlain(value) && isPlain(base[key]) ? merged(base[key] as Plain, value) : value;
  }
  return out;
}

/** Runs `fn` with the plugin config patched (deep merge; `undefined` removes a value), then restores it. */
export async function withPluginConfig<T>(app: TestApp, patch: Plain, fn: () => Promise<T>): Promise<T> {
  const key = 'plugin::deliverability';
  const before = app.strapi.config.get(key) as Plain;
  const config = app.strapi.plugin('deliverability').service('config') as { reload(): unknown };
  app.strapi.config.set(key, merged(before, patch));
  config.reload();
  try {
    return await fn();
  } finally {
    app.strapi.config.set(key, before);
    config.reload();
  }
}

// ---------------------------------------------------------------------------------------------
// Database.

export const q = (strapi: Core.Strapi, uid: string) => table(strapi, uid);

/** Empties the plugin's tables, so that each test starts from nothing. */
export async function resetData(strapi: Core.Strapi): Promise<void> {
  // The report counts go with the messages they count.
  for (const uid of [UID.event, UID.log, UID.reportCount, UID.reportHour, UID.reportDelta, UID.address, UID.receipt, UID.audit, UID.contact, UID.contactAddress, UID.consent]) {
    // `TableQuery` leaves out deleteMany on purpose (the plugin never bulk-deletes); tests do.
    const query = strapi.db.query(uid) as unknown as { deleteMany(params: { where: Record<string, never> }): Promise<unknown> };
    await query.deleteMany({ where: {} });
  }
}

export interface MessageSeed {
  channel: Channel;
  address: string;
  provider: string;
  providerMessageId: string | null;
  attempts?: number;
}

/** A DeliveryLog as the sender leaves it after a first attempt, and a contact on the same address. */
export async function seedMessage(strapi: Core.Strapi, seed: MessageSeed): Promise<{ log: Row; contactId: string }> {
  const log = await q(strapi, UID.log).create({
    data: {
      channel: seed.channel,
      address: seed.address,
      status: 'sent',
      attempts: seed.attempts ?? 1,
      firstAttemptAt: new Date(),
      provider: seed.provider,
      providerMessageId: seed.providerMessageId,
      source: 'api',
    },
  });
  const contactId = await seedContact(strapi, seed.channel, seed.address);
  return { log, contactId };
}

export async function seedContact(strapi: Core.Strapi, channel: Channel, address: string): Promise<string> {
  const contact = await strapi.documents(UID.contact).create({
    data: channel === 'email' ? { firstName: 'Student', email: address } : { firstName: 'Student', mobile: address },
  });
  return contact.documentId;
}

export async function logRow(strapi: Core.Strapi, documentId: string): Promise<Row> {
  const row = await q(strapi, UID.log).findOne({ where: { documentId } });
  if (!row) throw new Error(`no delivery log ${documentId}`);
  return row;
}

export async function ledgerRow(strapi: Core.Strapi, channel: Channel, address: string): Promise<Row | null> {
  return q(strapi, UID.address).findOne({ where: { channel, address } });
}

export async function contactRow(strapi: Core.Strapi, documentId: string): Promise<Row> {
  const row = await q(strapi, UID.contact).findOne({ where: { documentId } });
  if (!row) throw new Error(`no contact ${documentId}`);
  return row;
}

export async function eventRows(strapi: Core.Strapi, where: Record<string, unknown> = {}): Promise<Row[]> {
  return q(strapi, UID.event).findMany({ where, orderBy: [{ occurredAt: 'asc' }, { eventKey: 'asc' }] });
}

const omit = (row: Row, keys: string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key)));

/**
 * Everything a webhook can write, row by row: events, logs, the ledger, contacts and receipts.
 * Two snapshots are equal only if nothing at all was written between them.
 */
export async function snapshot(strapi: Core.Strapi) {
  return {
    events: await q(strapi, UID.event).findMany({ orderBy: { id: 'asc' } }),
    logs: await q(strapi, UID.log).findMany({ orderBy: { id: 'asc' } }),
    addresses: await q(strapi, UID.address).findMany({ orderBy: { id: 'asc' } }),
    contacts: await q(strapi, UID.contact).findMany({ orderBy: { id: 'asc' } }),
    receipts: await q(strapi, UID.receipt).findMany({ orderBy: { id: 'asc' } }),
    consents: await q(strapi, UID.consent).findMany({ orderBy: { id: 'asc' } }),
  };
}

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;
/** Processing times left out of a text, or of the texts inside a JSON value (a reason's parameters). */
const timeless = (value: unknown): unknown => {
  if (typeof value === 'string') return value.replace(ISO, '<time>');
  if (Array.isArray(value)) return value.map(timeless);
  if (value && typeof value === 'object' && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, timeless(v)]));
  return value;
};

/**
 * The meaning of the database, without what depends on when or in which database it was written
 * (ids, row times, processing times): logs keyed by their provider message id, the ledger by
 * address, contacts by address, the event keys. Two runs of the same events must give equal results.
 * `nextAttemptAt` is kept as "set or not" (it is counted from the processing time).
 */
export async function meaning(strapi: Core.Strapi) {
  const logs = await q(strapi, UID.log).findMany({ orderBy: { providerMessageId: 'asc' } });
  const addresses = await q(strapi, UID.address).findMany({ orderBy: [{ channel: 'asc' }, { address: 'asc' }] });
  const contacts = await q(strapi, UID.contact).findMany({ orderBy: [{ email: 'asc' }, { mobile: 'asc' }] });
  const events = await q(strapi, UID.event).findMany({ orderBy: { eventKey: 'asc' } });
  const byLog = new Map(logs.map((log) => [log.documentId, log.providerMessageId]));
  return {
    logs: logs.map((log) => ({
      ...omit(log, ['id', 'documentId', 'createdAt', 'updatedAt', 'publishedAt', 'locale', 'firstAttemptAt', 'nextAttemptAt']),
      nextAttemptAt: log.nextAttemptAt === null ? null : 'set',
      statusReason: timeless(log.statusReason),
      statusReasonData: timeless(log.statusReasonData),
    })),
    ledger: addresses.map((row) => ({
      ...omit(row, ['id', 'documentId', 'createdAt', 'updatedAt', 'publishedAt', 'locale', 'stateChangedAt', 'stateLogDocumentId']),
      stateLog: row.stateLogDocumentId ? byLog.get(row.stateLogDocumentId as string) : null,
    })),
    contacts: contacts.map((row) => ({
      email: row.email,
      mobile: row.mobile,
      emailStatus: row.emailStatus,
      emailStatusReason: row.emailStatusReason,
      mobileStatus: row.mobileStatus,
      mobileStatusReason: row.mobileStatusReason,
    })),
    events: events.map((row) => ({
      eventKey: row.eventKey,
      kind: row.kind,
      log: row.logDocumentId ? byLog.get(row.logDocumentId as string) : null,
      address: row.address,
      rawCode: row.rawCode,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Expectations on one message after a webhook.

export interface Expected {
  status: MessageStatus;
  /** What lastError must contain (the provider's code, say); `null`: it must be empty. */
  lastError: RegExp | null;
  /** A re-send scheduled this many minutes after processing; absent: nothing scheduled. */
  retryInMinutes?: number;
  /** The address's ledger row; `null`: the webhook wrote none. */
  ledger: { state: AddressState; providerCode: string | null } | null;
  /** The contact's status mirror for that channel. */
  mirror: AddressState;
  /** The outcome of each event row stored for the message, in event-time order. */
  outcomes: EventOutcome[];
}

export async function expectMessageState(
  strapi: Core.Strapi,
  seeded: { log: Row; contactId: string },
  expected: Expected,
  window: { from: number; to: number },
): Promise<void> {
  const log = await logRow(strapi, seeded.log.documentId);
  expect(log.status).toBe(expected.status);
  if (expected.lastError === null) expect(log.lastError).toBeNull();
  else expect(log.lastError).toMatch(expected.lastError);
  if (expected.retryInMinutes === undefined) {
    expect(log.nextAttemptAt).toBeNull();
  } else {
    const at = new Date(log.nextAttemptAt as string).getTime();
    const delay = expected.retryInMinutes * 60_000;
    expect(at).toBeGreaterThanOrEqual(window.from + delay - 1000);
    expect(at).toBeLessThanOrEqual(window.to + delay + 1000);
  }

  const channel = log.channel as Channel;
  const ledger = await ledgerRow(strapi, channel, log.address as string);
  if (expected.ledger === null) expect(ledger).toBeNull();
  else expect(ledger).toMatchObject(expected.ledger);

  const contact = await contactRow(strapi, seeded.contactId);
  expect(contact[channel === 'email' ? 'emailStatus' : 'mobileStatus']).toBe(expected.mirror);

  const events = await eventRows(strapi, { logDocumentId: seeded.log.documentId });
  expect(events.map((e) => e.outcome)).toEqual(expected.outcomes);
}
