import type { Channel } from './events';

/**
 * Addresses are compared in one normal form, so that the ledger has one row per real address:
 * emails trimmed and lower-cased (mailbox local parts are case-insensitive in practice, and every
 * provider reports them lower-cased); phone numbers in E.164 (`+` and 8 to 15 digits).
 */

/** RFC 5321's limit on a forward path (254 characters once the angle brackets are left out). */
export const MAX_EMAIL_LENGTH = 254;
/**
 * One `@` between two runs of allowed characters. The domain's dot is checked apart: a pattern
 * with `+\.` between two overlapping runs backtracks quadratically on `x@a.a.a.…@`, and the input
 * comes from unauthenticated or merely signed requests.
 */
const EMAIL_PATTERN = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+$/;
const E164_PATTERN = /^\+[1-9]\d{7,14}$/;

export function normalizeEmail(input: string): string | null {
  const trimmed = input.trim();
  // Refused before any other work, so that a 4 MB "address" costs one scan.
  if (trimmed.length > MAX_EMAIL_LENGTH) return null;
  const email = trimmed.toLowerCase();
  if (!EMAIL_PATTERN.test(email)) return null;
  // The domain needs a dot with something on both sides of it.
  const domain = email.slice(email.indexOf('@') + 1);
  const dot = domain.indexOf('.', 1);
  return dot > 0 && dot < domain.length - 1 ? email : null;
}

/**
 * Accepts E.164 with common separators (spaces, dashes, dots, brackets), and the bare digits that
 * Vonage reports (`447700900123`). National formats without a country code are refused: the plugin
 * cannot guess the country.
 */
export function normalizePhone(input: string): string | null {
  const compact = input.trim().replace(/[\s\-.()]/g, '');
  const withPlus = compact.startsWith('00') ? `+${compact.slice(2)}` : /^\d+$/.test(compact) ? `+${compact}` : compact;
  return E164_PATTERN.test(withPlus) ? withPlus : null;
}

export function isE164(input: string): boolean {
  return E164_PATTERN.test(input);
}

export function normalizeAddress(channel: Channel, input: string): string | null {
  return channel === 'email' ? normalizeEmail(input) : normalizePhone(input);
}

/** Tells which channel a bare address belongs to. */
export function channelOfAddress(input: string): Channel | null {
  if (normalizeEmail(input)) return 'email';
  if (normalizePhone(input)) return 'sms';
  return null;
}
