import { conflictPauseMs, isRetryableConflict, withConflictRetry } from './locks';

const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { code: 'ER_LOCK_DEADLOCK' });

describe('isRetryableConflict', () => {
  it('knows a lost race in the words of each database', () => {
    expect(isRetryableConflict(deadlock())).toBe(true);
    expect(isRetryableConflict(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(true);
    expect(isRetryableConflict(Object.assign(new Error('could not serialize access'), { code: '40001' }))).toBe(true);
    expect(isRetryableConflict(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(true);
  });

  it('does not retry what another try would not fix', () => {
    expect(isRetryableConflict(new Error('connect ECONNREFUSED 127.0.0.1:3306'))).toBe(false);
    expect(isRetryableConflict(Object.assign(new Error("Unknown column 'x'"), { code: 'ER_BAD_FIELD_ERROR' }))).toBe(false);
  });
});

describe('conflictPauseMs', () => {
  it('doubles from 10 ms, half of it certain and half at random, up to a second', () => {
    expect([1, 2, 3, 4].map((n) => conflictPauseMs(n, () => 0))).toEqual([5, 10, 20, 40]);
    expect([1, 2, 3, 4].map((n) => conflictPauseMs(n, () => 1))).toEqual([10, 20, 40, 80]);
    expect(conflictPauseMs(8, () => 1)).toBe(1000);
    expect(conflictPauseMs(20, () => 0)).toBe(500);
  });

  it('waits about a second over the default eight tries, so a slow winner can commit first', () => {
    const least = [1, 2, 3, 4, 5, 6, 7].reduce((sum, n) => sum + conflictPauseMs(n, () => 0), 0);
    expect(least).toBeGreaterThanOrEqual(600);
    expect(least).toBeLessThan(1000);
  });
});

describe('withConflictRetry', () => {
  it('runs the attempt again after each lost race, with a longer pause each time, until it wins', async () => {
    const pauses: number[] = [];
    let calls = 0;
    const result = await withConflictRetry(
      async () => {
        calls += 1;
        if (calls < 4) throw deadlock();
        return 'stored';
      },
      { pause: (n) => (pauses.push(n), 0) },
    );
    expect(result).toBe('stored');
    expect(calls).toBe(4);
    expect(pauses).toEqual([1, 2, 3]);
  });

  it('gives up after eight tries and throws the last conflict', async () => {
    let calls = 0;
    const attempt = withConflictRetry(
      async () => {
        calls += 1;
        throw deadlock();
      },
      { pause: () => 0 },
    );
    await expect(attempt).rejects.toThrow('Deadlock found');
    expect(calls).toBe(8);
  });

  it('throws at once what is not a conflict', async () => {
    let calls = 0;
    const attempt = withConflictRetry(
      async () => {
        calls += 1;
        throw new Error('disk full');
      },
      { pause: () => 0 },
    );
    await expect(attempt).rejects.toThrow('disk full');
    expect(calls).toBe(1);
  });
});
