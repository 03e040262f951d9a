import type { Channel } from './events';
import { parsePhone, type PhoneOptions } from './phone';

/**
 * Addresses are compared in one normal form, so that the ledger has one row per real address:
 * emails trimmed and lower-cased (mailbox local parts are case-insensitive in practice, and every
 * provider reports them lower-cased); phone numbers in E.164, by the rule in `phone.ts`.
 */

const EMAIL_PATTERN = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

export function normalizeEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  return EMAIL_PATTERN.test(email) ? email : null;
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

/** Tells which channel a bare address belongs to. */
export function channelOfAddress(input: string): Channel | null {
  if (normalizeEmail(input)) return 'email';
  if (normalizePhone(input)) return 'sms';
  return null;
}
