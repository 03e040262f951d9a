import { X509Certificate, verify as verifySignature, type KeyObject } from 'crypto';
import {
  UpstreamUnavailableError,
  accepted,
  headerValue,
  isJsonObject,
  isoToEpochMs,
  notConfigured,
  refused,
  staleTimestampRefusal,
  stringField,
  type JsonObject,
} from '../shared';
import type { VerifyContext, VerifyResult, WebhookRequest } from '../types';

/**
 * Amazon SNS HTTP(S) messages (SES notifications arrive this way). The body is the JSON envelope,
 * sent as `text/plain`. SignatureVersion 1 = SHA1withRSA, 2 = SHA256withRSA, over a canonical
 * `Key\nValue\n` string built from the parsed envelope; the key comes from the certificate at
 * `SigningCertURL`, which must be an `https://sns.<region>.amazonaws.com[.cn]/....pem` URL
 * (checked before anything is fetched).
 */

export const SNS_MESSAGE_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
export type SnsMessageType = (typeof SNS_MESSAGE_TYPES)[number];

const SNS_HOST = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;
const CERT_FETCH_TIMEOUT_MS = 5000;
const MAX_CERT_BYTES = 64 * 1024;

/** Keys in the string to sign, in SNS (byte) order. `Subject` only when present. */
const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const CONFIRMATION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;
const OPTIONAL_KEYS: ReadonlySet<string> = new Set(['Subject']);

export function isSnsMessageType(value: unknown): value is SnsMessageType {
  return typeof value === 'string' && (SNS_MESSAGE_TYPES as readonly string[]).includes(value);
}

/**
 * Whether a URL is an HTTPS URL on an SNS endpoint host (`sns.<region>.amazonaws.com`, or `.com.cn`),
 * with no credentials and no explicit port. With `pem`, the path must also end in `.pem`.
 */
export function isSnsUrl(url: string, options: { pem: boolean }): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password || parsed.port) return false;
  if (!SNS_HOST.test(parsed.hostname)) return false;
  return !options.pem || parsed.pathname.endsWith('.pem');
}

/** The canonical string SNS signs, or the name of the first required field that is missing. */
export function snsStringToSign(message: JsonObject): { ok: true; value: string } | { ok: false; missing: string } {
  const keys = message.Type === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  let value = '';
  for (const key of keys) {
    const field = stringField(message, key);
    if (field === undefined) {
      if (OPTIONAL_KEYS.has(key) && (message[key] === undefined || message[key] === null)) continue;
      return { ok: false, missing: key };
    }
    value += `${key}\n${field}\n`;
  }
  return { ok: true, value };
}

async function defaultFetchCertificate(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(CERT_FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_CERT_BYTES) throw new Error('certificate response too large');
  return text;
}

/** The signing certificate's public key, from the cache or fetched (only after the URL check). */
async function signingKey(url: string, ctx: VerifyContext): Promise<KeyObject | null> {
  const cached = ctx.certificateCache.get(url);
  let pem = cached;
  if (pem === undefined) {
    const fetchCertificate = ctx.settings.ses.fetchCertificate ?? defaultFetchCertificate;
    try {
      pem = await fetchCertificate(url);
    } catch (error) {
      const detail = error instanceof Error ? `: ${error.message}` : '';
      throw new UpstreamUnavailableError(`could not fetch the SNS signing certificate${detail}`);
    }
  }
  let key: KeyObject;
  try {
    key = new X509Certificate(pem).publicKey;
  } catch {
    if (cached !== undefined) ctx.certificateCache.delete(url);
    return null;
  }
  if (cached === undefined) ctx.certificateCache.set(url, pem);
  return key;
}

function topicRefusal(message: JsonObject, ctx: VerifyContext): VerifyResult | null {
  const topicArn = stringField(message, 'TopicArn');
  if (!topicArn || !ctx.settings.ses.topicArns.includes(topicArn)) {
    return refused(403, 'SNS TopicArn is not on the allow-list');
  }
  return null;
}

function headerMismatch(req: WebhookRequest, message: JsonObject): boolean {
  const pairs: Array<[string, string]> = [
    ['x-amz-sns-message-type', 'Type'],
    ['x-amz-sns-message-id', 'MessageId'],
    ['x-amz-sns-topic-arn', 'TopicArn'],
  ];
  return pairs.some(([header, field]) => {
    const value = headerValue(req, header);
    return value !== undefined && value !== stringField(message, field);
  });
}

function readEnvelope(req: WebhookRequest): JsonObject | null {
  try {
    const value = JSON.parse(req.rawBody.toString('utf8')) as unknown;
    return isJsonObject(value) ? value : null;
  } catch {
    return null;
  }
}

export async function verifySes(req: WebhookRequest, ctx: VerifyContext): Promise<VerifyResult> {
  const settings = ctx.settings.ses;
  const message = readEnvelope(req);

  if (settings.allowUnsigned) {
    // No signature check; the topic allow-list still applies when one is configured.
    if (message && settings.topicArns.length > 0) return topicRefusal(message, ctx) ?? accepted();
    return accepted();
  }
  if (settings.topicArns.length === 0) return notConfigured('SNS');
  if (!message) return refused(400, 'SNS body is not a JSON object');
  if (!isSnsMessageType(message.Type)) return refused(400, 'SNS message Type is missing or unknown');
  if (headerMismatch(req, message)) return refused(400, 'SNS headers do not match the message');

  const version = stringField(message, 'SignatureVersion');
  if (version !== '1' && version !== '2') return refused(401, 'SNS SignatureVersion must be 1 or 2');
  const signature = stringField(message, 'Signature');
  if (!signature) return refused(401, 'missing SNS Signature');

  const topic = topicRefusal(message, ctx);
  if (topic) return topic;

  const certUrl = stringField(message, 'SigningCertURL');
  if (!certUrl || !isSnsUrl(certUrl, { pem: true })) {
    return refused(403, 'SigningCertURL is not an https SNS certificate URL');
  }

  const sentAt = isoToEpochMs(message.Timestamp);
  if (sentAt === null) return refused(401, 'SNS Timestamp is missing or not a date');
  const stale = staleTimestampRefusal(sentAt / 1000, ctx);
  if (stale) return stale;

  const toSign = snsStringToSign(message);
  if (!toSign.ok) return refused(400, `SNS message has no '${toSign.missing}' string`);

  const key = await signingKey(certUrl, ctx);
  if (!key) return refused(401, 'SNS signing certificate could not be read');

  let valid = false;
  try {
    valid = verifySignature(version === '1' ? 'sha1' : 'sha256', Buffer.from(toSign.value, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? accepted() : refused(401, 'SNS signature does not match');
}
