/**
 * The plugin's policies, as plain data with their defaults (DESIGN §4), and their validation.
 * `config/plugins.ts` overrides any part; `validatePolicy` names the first wrong key.
 */

import { SMS_CODE_MEANINGS, type SmsCodeMeaning } from './events';

export interface RetryPolicy {
  /** Delay before the first re-send after a soft bounce. */
  initialDelayMinutes: number;
  /** Each later delay is the previous one times this. */
  multiplier: number;
  /** No two attempts further apart than this. */
  maxDelayMinutes: number;
  /** No re-send later than this after the first attempt; then the message fails as "retries exhausted". */
  windowHours: number;
}

export type EscalationPolicy =
  | { mode: 'off' }
  /** Fail the address after this many messages in a row exhaust their retries with no delivery between. */
  | { mode: 'streak'; exhaustedMessages: number }
  /** Discourse-style score: each final soft bounce adds `softBounce`; fail at `threshold`; forget after `resetAfterDays` quiet days. */
  | { mode: 'score'; softBounce: number; threshold: number; resetAfterDays: number };

/** A refusal about the sender (core/sender-blocks.ts): re-sent on this schedule, or (`false`) failed at once. */
export interface SenderBlockPolicy {
  retry: RetryPolicy | false;
}

/**
 * The institution's own domains, where a hard bounce is often a mis-provisioned mailbox that comes
 * back: the address is suppressed only at the second hard bounce within `windowDays`.
 */
export interface TwoStrikePolicy {
  domains: string[];
  windowDays: number;
}

export interface DecisionPolicy {
  retry: RetryPolicy;
  escalation: EscalationPolicy;
  /** Optional so that policies written before these existed still type-check; absent means the defaults. */
  senderBlocks?: SenderBlockPolicy;
  twoStrike?: TwoStrikePolicy;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialDelayMinutes: 15,
  multiplier: 2,
  maxDelayMinutes: 6 * 60,
  windowHours: 72,
};

export const DEFAULT_ESCALATION_POLICY: EscalationPolicy = { mode: 'streak', exhaustedMessages: 3 };

export const DEFAULT_TWO_STRIKE_POLICY: TwoStrikePolicy = { domains: [], windowDays: 14 };

export const DEFAULT_DECISION_POLICY: DecisionPolicy = {
  retry: DEFAULT_RETRY_POLICY,
  escalation: DEFAULT_ESCALATION_POLICY,
};

/** The sender-block schedule in force: the configured one, else the soft-bounce schedule. */
export function senderBlockRetry(policy: DecisionPolicy): RetryPolicy | false {
  return policy.senderBlocks ? policy.senderBlocks.retry : policy.retry;
}

export class PolicyError extends Error {
  constructor(
    readonly key: string,
    readonly expected: string,
    readonly received: unknown,
  ) {
    super(`${key} must be ${expected} (got ${describe(received)})`);
    this.name = 'PolicyError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requirePositiveNumber(key: string, value: unknown, { min = 0, integer = false } = {}): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value > min && (!integer || Number.isInteger(value));
  if (!ok) throw new PolicyError(key, `${integer ? 'an integer' : 'a number'} greater than ${min}`, value);
  return value as number;
}

export function validateRetryPolicy(prefix: string, input: unknown): RetryPolicy {
  if (input === undefined) return DEFAULT_RETRY_POLICY;
  if (!isPlainObject(input)) throw new PolicyError(prefix, 'an object', input);
  const merged = { ...DEFAULT_RETRY_POLICY, ...input };
  const policy: RetryPolicy = {
    initialDelayMinutes: requirePositiveNumber(`${prefix}.initialDelayMinutes`, merged.initialDelayMinutes),
    multiplier: requirePositiveNumber(`${prefix}.multiplier`, merged.multiplier, { min: 0 }),
    maxDelayMinutes: requirePositiveNumber(`${prefix}.maxDelayMinutes`, merged.maxDelayMinutes),
    windowHours: requirePositiveNumber(`${prefix}.windowHours`, merged.windowHours),
  };
  if (policy.multiplier < 1) throw new PolicyError(`${prefix}.multiplier`, 'a number of at least 1', policy.multiplier);
  if (policy.maxDelayMinutes < policy.initialDelayMinutes) {
    throw new PolicyError(`${prefix}.maxDelayMinutes`, `at least initialDelayMinutes (${policy.initialDelayMinutes})`, policy.maxDelayMinutes);
  }
  return policy;
}

export function validateEscalationPolicy(prefix: string, input: unknown): EscalationPolicy {
  if (input === undefined) return DEFAULT_ESCALATION_POLICY;
  if (input === false) return { mode: 'off' };
  if (!isPlainObject(input)) throw new PolicyError(prefix, "an object with mode 'off', 'streak' or 'score'", input);
  const mode = input.mode ?? 'streak';
  switch (mode) {
    case 'off':
      return { mode: 'off' };
    case 'streak':
      return {
        mode: 'streak',
        exhaustedMessages: requirePositiveNumber(`${prefix}.exhaustedMessages`, input.exhaustedMessages ?? 3, { integer: true }),
      };
    case 'score':
      return {
        mode: 'score',
        softBounce: requirePositiveNumber(`${prefix}.softBounce`, input.softBounce ?? 1),
        threshold: requirePositiveNumber(`${prefix}.threshold`, input.threshold ?? 4),
        resetAfterDays: requirePositiveNumber(`${prefix}.resetAfterDays`, input.resetAfterDays ?? 30),
      };
    default:
      throw new PolicyError(`${prefix}.mode`, "one of 'off', 'streak', 'score'", mode);
  }
}

export function validateSmsCodeTable(prefix: string, input: unknown): Record<string, SmsCodeMeaning> {
  if (input === undefined) return {};
  if (!isPlainObject(input)) throw new PolicyError(prefix, 'an object of error code to meaning', input);
  const table: Record<string, SmsCodeMeaning> = {};
  for (const [code, meaning] of Object.entries(input)) {
    if (!(SMS_CODE_MEANINGS as readonly unknown[]).includes(meaning)) {
      throw new PolicyError(`${prefix}.${code}`, `one of ${SMS_CODE_MEANINGS.map((m) => `'${m}'`).join(', ')}`, meaning);
    }
    table[code] = meaning as SmsCodeMeaning;
  }
  return table;
}

/** `senderBlocks: { retry: false | { …retry schedule } }`; the schedule defaults to `retry`'s. */
export function validateSenderBlockPolicy(prefix: string, input: unknown, retry: RetryPolicy): SenderBlockPolicy {
  if (input === undefined) return { retry };
  if (!isPlainObject(input)) throw new PolicyError(prefix, 'an object such as { retry: false }', input);
  if (input.retry === false) return { retry: false };
  if (input.retry === undefined) return { retry };
  if (!isPlainObject(input.retry)) throw new PolicyError(`${prefix}.retry`, 'false or a retry schedule such as { windowHours: 24 }', input.retry);
  return { retry: validateRetryPolicy(`${prefix}.retry`, { ...retry, ...input.retry }) };
}

/** A domain as a two-strike list holds it: lower case, no `@`, at least one dot. */
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** `twoStrike: { domains: ['college.ac.uk'], windowDays: 14 }`. */
export function validateTwoStrikePolicy(prefix: string, input: unknown): TwoStrikePolicy {
  if (input === undefined) return DEFAULT_TWO_STRIKE_POLICY;
  if (!isPlainObject(input)) throw new PolicyError(prefix, "an object such as { domains: ['college.ac.uk'], windowDays: 14 }", input);
  const raw = input.domains ?? [];
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list) || !list.every((d) => typeof d === 'string')) {
    throw new PolicyError(`${prefix}.domains`, 'a list of domain names', raw);
  }
  const domains = list.map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter(Boolean);
  const bad = domains.find((d) => !DOMAIN.test(d));
  if (bad !== undefined) throw new PolicyError(`${prefix}.domains`, "domain names such as 'college.ac.uk'", bad);
  return { domains, windowDays: requirePositiveNumber(`${prefix}.windowDays`, input.windowDays ?? DEFAULT_TWO_STRIKE_POLICY.windowDays) };
}
