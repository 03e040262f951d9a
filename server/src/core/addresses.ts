import type { Channel } from './events';
import { parsePhone, type PhoneOptions } from './phone';

/**
 * Addresses are compared in one normal form, so that the ledger has one row per real address:
 * emails trimmed and lower-cased (mailbox local parts are case-insensitive in practice, and every
 * provider reports them lower-cased); phone numbers in E.164, by the rule in `phone.ts`.
 */

/** RFC 5321's limit on a forward path (254 characters once the angle brackets are left out). */
export const MAX_EMAIL_LENGTH = 254;
/**
 * One `@` between two runs of allowed characters. The domain's dot is checked apart: a pattern
 * with `+\.` between two overlapping runs backtracks quadratically on `x@a.a.a.…@`, and the input
 * comes from unauthenticated or merely signed requests.
 */
const EMAIL_PATTERN = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+$/;

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
 * A phone number in E.164, or null when it is not one (`parsePhone` says why). National numbers
 * are read in the default country (the site's, unless `options` names another).
 */
export function normalizePhone(input: string, options?: PhoneOptions): string | null {
  const parsed = parsePhone(input, options);
  return parsed.ok ? parsed.e164 : null;
}

export function normalizeAddress(channel: Channel, input: string, phoneOptions?: PhoneOptions): string | null {
  return channel === 'email' ? normalizeEmail(input) : normalizePhone(input, phoneOptions);
}

