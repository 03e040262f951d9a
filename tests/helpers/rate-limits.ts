/** The plugin config and timing of the rate-limit suites (rate-limits*.test.ts). */

export const LIMITS = {
  confirmPerIp: { limit: 1000, windowSeconds: 3600 },
  confirmPerTarget: { limit: 4, windowSeconds: 3600 },
  unsubscribePerIp: { limit: 5, windowSeconds: 3600 },
};

export const rateLimitedConfig = () => ({
  reactivation: { requireVerification: true, secret: 'rate-limit-test-secret-0123456789' },
  rateLimits: LIMITS,
});

/**
 * Windows are aligned on the hour: a burst that straddled two would be counted in both. Waits
 * for the next window when less than a minute of this one is left.
 */
export async function waitForRoomInWindow(): Promise<void> {
  const left = 3_600_000 - (Date.now() % 3_600_000);
  if (left < 60_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}
