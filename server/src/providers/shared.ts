import { createHash, timingSafeEqual } from 'crypto';
import { SMS_CODE_MEANINGS, type NormalizedEvent, type SmsCodeMeaning } from '../core/events';
import type { ParseResult, ProviderSettings, UnreadableItem, VerifyContext, VerifyResult, WebhookRequest } from './types';

/**
 * Helpers shared by the provider modules. Nothing here knows a provider's field names.
 */

/** The body is not what the provider's format requires. The controller answers 400. */
export class MalformedPayloadError extends Error {
  readonly status = 400 as const;

  constructor(message: string) {
    super(message);
    this.name = 'MalformedPayloadError';
  }
}

/**
 * Verification could not be completed for a reason on our side or the network's (an SNS signing
 * certificate could not be fetched). The controller should answer 5xx so that the sender retries.
 */
export class UpstreamUnavailableError extends Error {
  readonly status = 503 as const;

  constructor(message: string) {
    super(message);
    this.name = 'UpstreamUnavailableError';
  }
}

/** Settings with every provider unconfigured (a starting point for configuration and tests). */
export function emptyProviderSettings(): ProviderSettings {
  return { sendgrid: {}, mailgun: {}, postmark: {}, ses: { topicArns: [] }, twilio: {}, vonage: {} };
}

/** Signed timestamps more than this far in the future are refused (clock skew allowance). */
export const MAX_FUTURE_SKEW_SECONDS = 300;

export function accepted(replayKey?: string): VerifyResult {
  return replayKey === undefined ? { ok: true } : { ok: true, replayKey };
}

export function refused(status: 400 | 401 | 403, reason: string): VerifyResult {
  return { ok: false, status, reason };
}

export function notConfigured(provider: string): VerifyResult {
  return refused(403, `${provider} webhook verification is not configured`);
}

/**
 * Compares two secrets or signatures in constant time, whatever their lengths: both sides are
 * hashed first, so neither the content nor the length leaks through timing.
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** Reads a lower-cased header; repeated headers joined by the framework are returned as given. */
export function headerValue(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return value === undefined || value === '' ? undefined : value;
}

/** Parses a decimal epoch-seconds string (integer or fraction). */
export function parseEpochSeconds(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,12}(\.\d+)?$/.test(value.trim())) return null;
  return Number(value.trim());
}

/**
 * Refuses a signed timestamp older than `maxAgeSeconds` or more than five minutes in the future.
 * Returns null when the timestamp is fresh.
 */
export function staleTimestampRefusal(epochSeconds: number, ctx: VerifyContext): VerifyResult | null {
  const nowSeconds = ctx.now / 1000;
  if (nowSeconds - epochSeconds > ctx.maxAgeSeconds) {
    return refused(401, `signed timestamp is older than ${ctx.maxAgeSeconds} seconds`);
  }
  if (epochSeconds - nowSeconds > MAX_FUTURE_SKEW_SECONDS) {
    return refused(401, `signed timestamp is more than ${MAX_FUTURE_SKEW_SECONDS} seconds in the future`);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Reading untrusted JSON without `any`.

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a body as JSON, or throws `MalformedPayloadError` naming what was expected. */
export function parseJson(raw: Buffer | string, what: string): unknown {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MalformedPayloadError(`${what} is not valid JSON`);
  }
}

export function parseJsonObject(raw: Buffer | string, what: string): JsonObject {
  const value = parseJson(raw, what);
  if (!isJsonObject(value)) throw new MalformedPayloadError(`${what} is not a JSON object`);
  return value;
}

/** A string field, or undefined when absent or of another type. */
export function stringField(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
}

/** A string or finite number field, as text (providers are loose about `"2"` vs `2`). */
export function textField(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function numberField(obj: JsonObject, key: string): number | undefined {
  const value = obj[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

export function objectField(obj: JsonObject, key: string): JsonObject | undefined {
  const value = obj[key];
  return isJsonObject(value) ? value : undefined;
}

export function arrayField(obj: JsonObject, key: string): unknown[] | undefined {
  const value = obj[key];
  return Array.isArray(value) ? value : undefined;
}

/** A non-empty string field, or `MalformedPayloadError` naming the field and where it was expected. */
export function requireString(obj: JsonObject, key: string, where: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') {
    throw new MalformedPayloadError(`${where} has no '${key}' string`);
  }
  return value;
}

/** Empty strings and missing values become null. */
export function nonEmpty(value: string | undefined | null): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

// ---------------------------------------------------------------------------------------------
// Values the plugin itself put into the message (correlation id and attempt).

/** A send attempt number: a non-negative integer given as a number or a digit string. */
export function parseAttempt(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'string' && /^\d{1,9}$/.test(value.trim())) return Number(value.trim());
  return null;
}

export interface Correlation {
  correlationId: string | null;
  attempt: number | null;
}

/**
 * Reads the plugin's compact correlation reference, `<id>.<attempt>` or `<id>` (SMS client
 * references, status-callback query parameters). The attempt is the part after the last dot when
 * it is all digits; otherwise the whole value is the id.
 */
export function parseCorrelationRef(ref: string | undefined | null): Correlation {
  const value = ref?.trim();
  if (!value) return { correlationId: null, attempt: null };
  const match = /^(.+)\.(\d{1,9})$/.exec(value);
  if (match) return { correlationId: match[1], attempt: Number(match[2]) };
  return { correlationId: value, attempt: null };
}

/**
 * The Message-ID the plugin sets on every email: `<dlv.<logDocumentId>.<attempt>@<domain>>`.
 * Providers echo it back (SendGrid `smtp-id`, Mailgun `message-id`, SES `commonHeaders.messageId`)
 * even when the custom data was lost, so every parser reads it with `correlationFromMessageId`.
 */
export function pluginMessageId(logDocumentId: string, attempt: number, domain: string): string {
  return `<dlv.${logDocumentId}.${attempt}@${domain}>`;
}

/** Brackets optional (Mailgun drops them); the domain is not checked: it may change between send and report. */
const PLUGIN_MESSAGE_ID = /^<?dlv\.([^@<>\s]+)\.(\d{1,9})@[^<>\s]+>?$/;

/** The correlation carried by a Message-ID the plugin set, or nothing for anyone else's. */
export function correlationFromMessageId(messageId: string | undefined | null): Correlation {
  const match = PLUGIN_MESSAGE_ID.exec(messageId?.trim() ?? '');
  return match ? { correlationId: match[1], attempt: Number(match[2]) } : { correlationId: null, attempt: null };
}

/** The custom data when it came back, else what the plugin's Message-ID says. */
export function correlationOr(custom: Correlation, messageId: string | undefined | null): Correlation {
  return custom.correlationId !== null ? custom : correlationFromMessageId(messageId);
}

/** A correlation id given as a string or number; anything else is ignored. */
export function correlationIdValue(value: unknown): string | null {
  if (typeof value === 'string') return nonEmpty(value.trim());
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Time, codes, keys.

/**
 * The last instant every supported database can store in a datetime column (MySQL's DATETIME
 * ends with year 9999). A provider time past it, or before 1970, is not a time: it would be
 * stored as NULL in a required column, or refused.
 */
export const LATEST_STORABLE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function storableMs(ms: number): number | null {
  return Number.isFinite(ms) && ms > 0 && ms <= LATEST_STORABLE_MS ? ms : null;
}

/** ISO 8601 date-time to epoch ms, or null (also when it is outside the storable range). */
export function isoToEpochMs(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null;
  return storableMs(Date.parse(value));
}

/** Epoch seconds (possibly fractional) to integer epoch ms, or null (also when it is outside the storable range). */
export function secondsToEpochMs(value: number | undefined): number | null {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return null;
  return storableMs(Math.round(value * 1000));
}

/** When an event happened: the provider's time, or the receipt time with a note keeping the value that could not be used. */
export interface EventTime {
  occurredAt: number;
  /** Set when the provider gave a time that is not one (1e308, a date in year 300,000): its raw value. */
  note: string | null;
}

/**
 * `ms` is the provider's time as read (null when absent or unusable), `raw` the field as it came.
 * A present but unusable value is not dropped silently: it goes into the event's raw text.
 */
export function eventTime(ms: number | null, raw: unknown, now: number): EventTime {
  if (ms !== null) return { occurredAt: ms, note: null };
  if (raw === undefined || raw === null || raw === '') return { occurredAt: now, note: null };
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return { occurredAt: now, note: `unusable timestamp ${truncate(text ?? String(raw), 64)}; the receipt time was used` };
}

/** The provider's text with a note of ours after it, for the event's raw text. */
export function withNote(rawText: string | null, note: string | null): string | null {
  if (note === null) return rawText;
  return rawText === null ? `[${note}]` : `${rawText} [${note}]`;
}

/** At most `max` characters (by UTF-16 unit; a cut surrogate pair is mended by `wellFormed`). */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The first RFC 3463 enhanced status code (`5.1.1`) in a text, or null. */
export function enhancedStatusCode(text: string | null | undefined): string | null {
  if (!text) return null;
  const match = /(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/.exec(text);
  return match ? match[1] : null;
}

/** A short stable key derived from several fields, for providers without an event id. */
export function derivedKey(parts: Array<string | number | null | undefined>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part ?? ''}\u0000`);
  return hash.digest('hex').slice(0, 32);
}

// ---------------------------------------------------------------------------------------------
// Well-formed text.

const ANY_SURROGATE = /[\uD800-\uDFFF]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces lone UTF-16 surrogates (which JSON's `\ud800` escape can carry) with U+FFFD, as
 * `String.prototype.toWellFormed` does. The databases store UTF-8, which cannot hold a lone
 * surrogate: it was written as U+FFFD anyway, so an event key compared before storing missed its
 * stored twin and the unique index refused every redelivery.
 */
export function wellFormed(text: string): string {
  // Most text has no surrogate at all: one cheap scan instead of the look-around pattern.
  return ANY_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\uFFFD') : text;
}

function wellFormedOrNull(text: string | null): string | null {
  return text === null ? null : wellFormed(text);
}

/** The event with every text field well-formed, so that it compares equal to what the database keeps. */
export function wellFormedEvent(event: NormalizedEvent): NormalizedEvent {
  return {
    ...event,
    address: wellFormed(event.address),
    providerMessageId: wellFormedOrNull(event.providerMessageId),
    correlationId: wellFormedOrNull(event.correlationId),
    eventKey: wellFormed(event.eventKey),
    rawType: wellFormed(event.rawType),
    rawCode: wellFormedOrNull(event.rawCode),
    rawText: wellFormedOrNull(event.rawText),
  };
}

/** Longest key or id a column holds (`varchar(255)`). */
const MAX_KEY_LENGTH = 255;
/**
 * No address of either channel is longer (an email is at most 254 characters). Cut there, with a
 * one-character mark, it fits the events' column: Strapi makes every string column varchar(255),
 * whatever its maxLength says, and PostgreSQL and MySQL refuse a longer value.
 */
const MAX_ADDRESS_LENGTH = 254;

/**
 * What every provider's parse result goes through before anything is stored: text made
 * well-formed, and keys and ids bounded, so that what is compared before writing is what the
 * database keeps (a longer id would be refused, or cut, by the column).
 */
/**
 * A key as the database will keep it: well-formed, and hashed when longer than its column, so
 * that looking it up before writing finds what was written. `prefix` names where it came from.
 */
export function storableKey(key: string, prefix: string): string {
  const clean = wellFormed(key);
  return clean.length > MAX_KEY_LENGTH ? `${prefix}:long:${derivedKey([clean])}` : clean;
}

export function finishParseResult(result: ParseResult): ParseResult {
  const events = result.events.map((event) => {
    // A 4 MB "address" is not one: cut before anything reads it, with a mark that keeps it invalid
    // for both channels (a cut could otherwise leave a valid number followed by padding).
    const address = event.address.length > MAX_ADDRESS_LENGTH ? `${event.address.slice(0, MAX_ADDRESS_LENGTH)}\u2026` : event.address;
    const clean = wellFormedEvent(address === event.address ? event : { ...event, address });
    clean.eventKey = storableKey(clean.eventKey, clean.provider);
    // An id this long matches nothing the plugin sent; kept out rather than cut into a false match.
    if (clean.providerMessageId !== null && clean.providerMessageId.length > MAX_KEY_LENGTH) clean.providerMessageId = null;
    if (clean.correlationId !== null && clean.correlationId.length > MAX_KEY_LENGTH) clean.correlationId = null;
    return clean;
  });
  return { ...result, events };
}

// ---------------------------------------------------------------------------------------------
// Batches: one unreadable item does not lose the others.

/** How much of an unreadable item's JSON is kept: enough to diagnose, not a second copy of a 4 MB body. */
export const MAX_UNREADABLE_RAW = 4096;

export function unreadableItem(position: string, reason: string, item: unknown): UnreadableItem {
  const json = JSON.stringify(item) ?? String(item);
  return { position, reason, raw: wellFormed(truncate(json, MAX_UNREADABLE_RAW)), key: derivedKey([json]) };
}

/**
 * Reads each item of a batch; an item whose reader throws `MalformedPayloadError` is kept as
 * unreadable, with the error's message as the reason. Any other error is a bug and propagates.
 */
export function readEach<T>(
  items: readonly unknown[],
  read: (item: unknown, index: number) => T,
  position: (index: number) => string = (index) => `[${index}]`,
): { read: T[]; unreadable: UnreadableItem[] } {
  const result: { read: T[]; unreadable: UnreadableItem[] } = { read: [], unreadable: [] };
  // A refusal's stack trace is never read, and capturing it was most of the cost of a 4 MB batch
  // of unreadable items: none is captured while the batch is read (synchronously; restored after).
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    items.forEach((item, index) => {
      try {
        result.read.push(read(item, index));
      } catch (error) {
        if (!(error instanceof MalformedPayloadError)) throw error;
        result.unreadable.push(unreadableItem(position(index), error.message, item));
      }
    });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// SMS error-code tables.

export function isSmsCodeMeaning(value: unknown): value is SmsCodeMeaning {
  return typeof value === 'string' && (SMS_CODE_MEANINGS as readonly string[]).includes(value);
}

/**
 * The default table with the site's overrides on top. Override entries whose meaning is not one
 * of `SMS_CODE_MEANINGS` are ignored (configuration comes from untyped files).
 */
export function mergeCodeTable(
  defaults: Readonly<Record<string, SmsCodeMeaning>>,
  overrides: Record<string, SmsCodeMeaning> | undefined,
): Record<string, SmsCodeMeaning> {
  const table: Record<string, SmsCodeMeaning> = { ...defaults };
  if (overrides) {
    for (const [code, meaning] of Object.entries(overrides)) {
      if (isSmsCodeMeaning(meaning)) table[code.trim()] = meaning;
    }
  }
  return table;
}

/** Looks a code up in a table built by `mergeCodeTable`, without reaching inherited properties. */
export function lookupCode(table: Record<string, SmsCodeMeaning>, code: string): SmsCodeMeaning | undefined {
  return Object.prototype.hasOwnProperty.call(table, code) ? table[code] : undefined;
}
