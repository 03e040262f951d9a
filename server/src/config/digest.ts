import { normalizeEmail } from '../core/addresses';
import { PolicyError, isPlainObject } from '../core/policy';

/**
 * The `worklistDigest` section: a daily email to one address (an advisors' shared mailbox) with
 * the worklist's new entries of the last day. Off unless `to` is set (DELIVERABILITY_WORKLIST_DIGEST_TO).
 */
export interface DigestConfig {
  /** Where the digest goes; null: no digest. */
  to: string | null;
  /** node-cron expression, in the server's time zone. Default: 07:00 every day. */
  schedule: string;
}

const KEY = 'deliverability.worklistDigest';

export function validateDigestConfig(input: unknown): DigestConfig {
  if (input !== undefined && input !== null && !isPlainObject(input)) throw new PolicyError(KEY, 'an object', input);
  const section = (input ?? {}) as Record<string, unknown>;
  const rawTo = section.to === undefined || section.to === null || section.to === '' ? null : section.to;
  const to = rawTo === null ? null : typeof rawTo === 'string' ? normalizeEmail(rawTo) : null;
  if (rawTo !== null && !to) throw new PolicyError(`${KEY}.to`, 'an email address', rawTo);
  const schedule = section.schedule ?? '0 7 * * *';
  if (typeof schedule !== 'string' || schedule.trim().split(/\s+/).length < 5)
    throw new PolicyError(`${KEY}.schedule`, "a cron expression such as '0 7 * * *'", schedule);
  return { to, schedule };
}
