import { PolicyError, isPlainObject } from '../core/policy';

/**
 * The `erasure` section: the salt of the hashes an erased student's suppressed addresses are kept
 * as (so the address is still never used, and cannot be read back). Without it, erasure is refused.
 * The salt must never change: hashes made with an old salt no longer match.
 */
export interface ErasureConfig {
  salt: string | null;
}

export function validateErasureConfig(input: unknown): ErasureConfig {
  if (input === undefined || input === null) return { salt: null };
  if (!isPlainObject(input)) throw new PolicyError('deliverability.erasure', 'an object', input);
  const salt = input.salt;
  if (salt === undefined || salt === null || salt === '') return { salt: null };
  if (typeof salt !== 'string' || salt.length < 16)
    throw new PolicyError(
      'deliverability.erasure.salt',
      'a secret of at least 16 characters',
      typeof salt === 'string' ? '(too short)' : salt,
    );
  return { salt };
}
