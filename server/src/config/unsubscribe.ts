import { PolicyError, isPlainObject, requirePositiveNumber } from '../core/policy';

/**
 * The `unsubscribe` section: one-click unsubscribe links in bulk email (README, "One-click
 * unsubscribe"). Without a secret no link is made, and bulk email goes out without the headers
 * (a warning at boot says so): an unsigned link would let anyone unsubscribe anyone.
 */
export interface UnsubscribeConfig {
  /** Signs the links' tokens (HMAC-SHA256). Null: no List-Unsubscribe headers. */
  secret: string | null;
  /** Retired secrets whose links are still honoured until they expire (rotation without breaking sent mail). */
  previousSecrets: string[];
  /** How long a link works after its message was handed over. */
  expiryDays: number;
  /** An address for the `mailto:` form of List-Unsubscribe (the site's own mailbox reads it). Null: https only. */
  mailto: string | null;
}

const KEY = 'deliverability.unsubscribe';
/** 32 characters: at least 128 bits even if the site typed them. `openssl rand -hex 32` gives 64. */
const MIN_SECRET_LENGTH = 32;
const MAILTO_PATTERN = /^[^\s@<>?,]+@[^\s@<>?,]+\.[^\s@<>?,]+$/;

function secretOf(key: string, value: unknown): string {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) {
    throw new PolicyError(key, `a secret of at least ${MIN_SECRET_LENGTH} characters`, typeof value === 'string' ? '(too short)' : value);
  }
  return value;
}

function previousSecretsOf(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
  if (!Array.isArray(list)) throw new PolicyError(`${KEY}.previousSecrets`, 'a list of secrets (or one comma-separated string)', '(not a list)');
  return list.map((secret, i) => secretOf(`${KEY}.previousSecrets[${i}]`, secret));
}

function mailtoOf(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !MAILTO_PATTERN.test(value)) throw new PolicyError(`${KEY}.mailto`, 'an email address', value);
  return value;
}

export function validateUnsubscribeConfig(input: unknown): UnsubscribeConfig {
  if (input !== undefined && input !== null && !isPlainObject(input)) throw new PolicyError(KEY, 'an object', input);
  const section = (input ?? {}) as Record<string, unknown>;
  const secret = section.secret === undefined || section.secret === null || section.secret === '' ? null : secretOf(`${KEY}.secret`, section.secret);
  return {
    secret,
    previousSecrets: previousSecretsOf(section.previousSecrets),
    expiryDays: requirePositiveNumber(`${KEY}.expiryDays`, section.expiryDays ?? 60),
    mailto: mailtoOf(section.mailto),
  };
}
