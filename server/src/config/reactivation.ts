import { PolicyError, isPlainObject, requirePositiveNumber } from '../core/policy';

/**
 * The `reactivation` section: whether an editor's reactivation (or change of a failed student's
 * address) waits for the student to confirm the address, and how that confirmation works. Off by
 * default. When on, a secret signs the email links and the SMS codes' hashes; it comes from
 * DELIVERABILITY_VERIFICATION_SECRET (config/index.ts) unless set here, and boot fails without it.
 */
export interface ReactivationConfig {
  requireVerification: boolean;
  /** HMAC key of the links and codes (null while verification is off). */
  secret: string | null;
  /** How long an email link stays valid. */
  linkTtlHours: number;
  /** How long an SMS code stays valid (short: six digits are guessable given time). */
  codeTtlMinutes: number;
  /** Wrong codes allowed before the verification is locked (an editor sends a new one). */
  maxCodeAttempts: number;
  /** Requests one client may make to the public confirm route per minute. */
  confirmRatePerMinute: number;
}

const KEY = 'deliverability.reactivation';

export function validateReactivationConfig(input: unknown): ReactivationConfig {
  if (input !== undefined && input !== null && !isPlainObject(input)) throw new PolicyError(KEY, 'an object', input);
  const section = (input ?? {}) as Record<string, unknown>;
  const requireVerification = section.requireVerification ?? false;
  if (typeof requireVerification !== 'boolean') throw new PolicyError(`${KEY}.requireVerification`, 'true or false', requireVerification);
  const secret = section.secret === undefined || section.secret === '' ? null : section.secret;
  if (secret !== null && (typeof secret !== 'string' || secret.length < 16))
    throw new PolicyError(`${KEY}.secret`, 'a secret of at least 16 characters', typeof secret === 'string' ? '(too short)' : secret);
  if (requireVerification && secret === null)
    throw new PolicyError(`${KEY}.secret`, 'set when requireVerification is on (DELIVERABILITY_VERIFICATION_SECRET)', undefined);
  return {
    requireVerification,
    secret,
    linkTtlHours: requirePositiveNumber(`${KEY}.linkTtlHours`, section.linkTtlHours ?? 48),
    codeTtlMinutes: requirePositiveNumber(`${KEY}.codeTtlMinutes`, section.codeTtlMinutes ?? 30),
    maxCodeAttempts: requirePositiveNumber(`${KEY}.maxCodeAttempts`, section.maxCodeAttempts ?? 5, { integer: true }),
    confirmRatePerMinute: requirePositiveNumber(`${KEY}.confirmRatePerMinute`, section.confirmRatePerMinute ?? 20, { integer: true }),
  };
}
