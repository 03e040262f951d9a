import { judgeHits, windowOf } from './rate-limits';

const rule = { limit: 3, windowSeconds: 60 };
const START = Date.UTC(2026, 10, 30, 12, 0, 0);

describe('fixed-window rate limits', () => {
  it('align windows on the epoch, so every instance computes the same one', () => {
    expect(windowOf(rule, START + 59_999)).toEqual({ startMs: START, endMs: START + 60_000 });
    expect(windowOf(rule, START + 60_000)).toEqual({ startMs: START + 60_000, endMs: START + 120_000 });
  });

  it('allow the limit-th request and refuse the next, saying when the window ends', () => {
    expect(judgeHits(rule, 3, START + 10_000)).toEqual({ allowed: true });
    expect(judgeHits(rule, 4, START + 10_000)).toEqual({ allowed: false, retryAfterSeconds: 50 });
  });

  it('never answers a Retry-After of zero', () => {
    expect(judgeHits(rule, 4, START + 59_999)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});
