/**
 * One-click unsubscribe (RFC 8058): the signed, expiring token in a bulk email's List-Unsubscribe
 * URL, and the headers that carry it. Pure: no Strapi, the secret and the clock are passed in.
 *
 * The token names the message, not the address: `1.<channel>.<log documentId>.<expiry>.<mac>`.
 * The address stays out of the URL (mail is forwarded, and URLs end up in proxy and browser logs);
 * the server reads it from the message's log, and the MAC covers it, so a token only ever works for
 * the address its message went to. The MAC (HMAC-SHA256) covers every field; the expiry is checked
 * before anything is read, so an expired or malformed token costs no database work.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel, NormalizedEvent } from './events';

const VERSION = '1';
const CHANNEL_CODES: Record<Channel, string> = { email: 'e', sms: 's' };
/** Longer than any token we make (about 90 characters); anything longer is refused unread. */
export const MAX_TOKEN_LENGTH = 200;
const TOKEN_PATTERN = /^1\.([es])\.([A-Za-z0-9_-]{1,64})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;

export interface UnsubscribeClaim {
  channel: Channel;
  logDocumentId: string;
  /** Epoch milliseconds (whole seconds) after which the token no longer works. */
  expiresAt: number;
}

/** A token read but not yet checked against its message: the MAC needs the message's address. */
export interface ParsedToken extends UnsubscribeClaim {
  mac: Buffer;
}

export type TokenProblem = 'malformed' | 'expired' | 'forged';

export type ParseResult = { ok: true; token: ParsedToken } | { ok: false; problem: 'malformed' | 'expired' };

function macOf(secret: string, claim: UnsubscribeClaim, address: string): Buffer {
  const seconds = Math.floor(claim.expiresAt / 1000);
  return createHmac('sha256', secret)
    .update(['deliverability-unsubscribe', VERSION, claim.channel, claim.logDocumentId, String(seconds), address].join('\n'))
    .digest();
}

/** The token for one message to `address` (normalized, as its log holds it). */
export function signUnsubscribeToken(secret: string, claim: UnsubscribeClaim, address: string): string {
  const seconds = Math.floor(claim.expiresAt / 1000);
  const mac = macOf(secret, claim, address).toString('base64url');
  return [VERSION, CHANNEL_CODES[claim.channel], claim.logDocumentId, seconds.toString(36), mac].join('.');
}

/** Reads a token's fields and checks its expiry, without the secret: nothing is trusted yet. */
export function parseUnsubscribeToken(text: unknown, now: number): ParseResult {
  if (typeof text !== 'string' || text.length > MAX_TOKEN_LENGTH) return { ok: false, problem: 'malformed' };
  const match = TOKEN_PATTERN.exec(text);
  if (!match) return { ok: false, problem: 'malformed' };
  const [, channelCode, logDocumentId, expiry, mac] = match;
  const expiresAt = parseInt(expiry, 36) * 1000;
  if (!Number.isSafeInteger(expiresAt)) return { ok: false, problem: 'malformed' };
  if (expiresAt <= now) return { ok: false, problem: 'expired' };
  const channel: Channel = channelCode === 'e' ? 'email' : 'sms';
  return { ok: true, token: { channel, logDocumentId, expiresAt, mac: Buffer.from(mac, 'base64url') } };
}

/**
 * Whether `token` was signed, with one of `secrets` (the current one first, then retired ones
 * still honoured), for `address`: the address of the message the token names.
 */
export function verifyUnsubscribeToken(token: ParsedToken, address: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => {
    const expected = macOf(secret, token, address);
    return expected.length === token.mac.length && timingSafeEqual(expected, token.mac);
  });
}

/** Until message categories exist, every bulk send's email offers one-click unsubscribe; nothing else does. */
export function offersOneClickUnsubscribe(message: { channel: Channel; bulkSendId?: unknown }): boolean {
  return message.channel === 'email' && typeof message.bulkSendId === 'string' && message.bulkSendId !== '';
}

/**
 * The RFC 2369 / RFC 8058 headers: the https URL (which the one-click POST goes to), then the
 * mailto where a site gives one, for mail clients that only know mailto.
 */
export function listUnsubscribeHeaders(url: string, mailto: string | null): Record<string, string> {
  const targets = [`<${url}>`];
  if (mailto) targets.push(`<mailto:${mailto}?subject=unsubscribe>`);
  return { 'List-Unsubscribe': targets.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** The RFC 8058 body a one-click POST carries; a POST without it is not an unsubscribe request. */
export function isOneClickBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const value = (body as Record<string, unknown>)['List-Unsubscribe'];
  return value === 'One-Click' || (Array.isArray(value) && value.includes('One-Click'));
}

/** An address as the confirmation page shows it: enough to recognise, not enough to harvest (`s•••@example.ac.uk`). */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return `${address.slice(0, 1)}•••${address.slice(-2)}`;
  return `${address.slice(0, 1)}•••${address.slice(at)}`;
}

/**
 * The recipient's one-click request as a normalized event of the message it came from, so the
 * intake records it in Full Logs and marks the address like a provider's unsubscribe report. One
 * event per message: a second click (or a mail client's retry) of the same link is a replay. Once
 * an editor reactivates the address (`reactivatedAt`), the same link counts again: the student's
 * latest request wins.
 */
export function oneClickEvent(
  message: { channel: Channel; address: string; logDocumentId: string },
  now: number,
  reactivatedAt: number | null = null,
): NormalizedEvent {
  return {
    provider: 'one-click',
    channel: message.channel,
    kind: 'unsubscribe',
    address: message.address,
    providerMessageId: null,
    correlationId: message.logDocumentId,
    attempt: null,
    eventKey: `one-click:${message.logDocumentId}${reactivatedAt === null ? '' : `:${reactivatedAt}`}`,
    occurredAt: now,
    rawType: 'List-Unsubscribe=One-Click',
    rawCode: null,
    rawText: null,
    severity: 'permanent',
  };
}
