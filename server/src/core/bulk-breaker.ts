/**
 * The bulk-send breaker: a send pauses itself when, after a minimum sample of messages whose
 * fate is known, its hard-bounce, complaint or SMS failure rate crosses a threshold. The defaults
 * are the providers' own review thresholds (README, "Bulk sends"): Amazon SES reviews an account
 * at a 5% bounce rate and a 0.1% complaint rate; Gmail asks bulk senders to stay under 0.3% spam.
 */

export interface BreakerPolicy {
  /** Messages with a known outcome before any rate is judged: a few early bounces are noise. */
  minSample: number;
  /** Fractions (0.05 = 5%). A rate strictly above its threshold trips the breaker. */
  hardBounceRate: number;
  complaintRate: number;
  smsFailureRate: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = {
  minSample: 200,
  hardBounceRate: 0.05,
  complaintRate: 0.001,
  smsFailureRate: 0.05,
};

/** A bulk send's outcomes so far (since the last resume). */
export interface BreakerSample {
  channel: 'email' | 'sms';
  /** Messages whose fate is known: delivered, bounced, complained or failed. */
  resolved: number;
  hardBounced: number;
  complained: number;
  /** SMS messages that failed (a permanent error, opt-out or carrier filtering). */
  failed: number;
}

export type BreakerMetric = 'hardBounceRate' | 'complaintRate' | 'smsFailureRate';

export interface BreakerTrip {
  metric: BreakerMetric;
  /** The rate seen, as a fraction. */
  rate: number;
  threshold: number;
  sample: number;
  count: number;
}

/** The first rate over its threshold, or null while the send may go on. */
export function judgeBreaker(sample: BreakerSample, policy: BreakerPolicy): BreakerTrip | null {
  if (sample.resolved < policy.minSample || sample.resolved === 0) return null;
  const checks: { metric: BreakerMetric; count: number; threshold: number }[] =
    sample.channel === 'email'
      ? [
          { metric: 'hardBounceRate', count: sample.hardBounced, threshold: policy.hardBounceRate },
          { metric: 'complaintRate', count: sample.complained, threshold: policy.complaintRate },
        ]
      : [{ metric: 'smsFailureRate', count: sample.failed, threshold: policy.smsFailureRate }];
  for (const check of checks) {
    const rate = check.count / sample.resolved;
    if (rate > check.threshold) return { ...check, rate, sample: sample.resolved };
  }
  return null;
}
