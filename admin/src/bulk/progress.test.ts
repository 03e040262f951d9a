import { canCancel, canPause, canResume, figuresOf, isActive, isSending } from './progress';
import type { StatusCounts } from '../utils/api';

const counts = (partial: Partial<StatusCounts>): StatusCounts => ({
  queued: 0,
  sent: 0,
  deferred: 0,
  delivered: 0,
  dropped: 0,
  failed: 0,
  bounced: 0,
  complained: 0,
  ...partial,
});

describe('figuresOf', () => {
  it('counts what went, what came back and what is left', () => {
    const f = figuresOf({
      total: 20,
      cancelledCount: 0,
      counts: counts({ queued: 8, sent: 2, deferred: 1, delivered: 6, bounced: 1, dropped: 2 }),
    });
    expect(f).toMatchObject({ queued: 8, sent: 10, delivered: 6, bounced: 1, dropped: 2, done: 12, total: 20, percent: 60 });
  });

  it('counts SMS failures with bounces, and a cancel`s removed messages as done', () => {
    const f = figuresOf({ total: 10, cancelledCount: 6, counts: counts({ delivered: 2, failed: 2 }) });
    expect(f).toMatchObject({ bounced: 2, sent: 4, done: 10, percent: 100 });
  });

  it('is 0% for an empty send rather than dividing by zero', () => {
    expect(figuresOf({ total: 0, cancelledCount: 0, counts: counts({}) }).percent).toBe(0);
  });
});

describe('what an editor may do', () => {
  it('pauses a queued or running send, resumes a paused one, cancels any unfinished one', () => {
    expect([canPause('running'), canPause('paused'), canResume('paused'), canResume('running')]).toEqual([true, false, true, false]);
    expect([canCancel('paused'), canCancel('done'), canCancel('cancelled')]).toEqual([true, false, false]);
    expect([isActive('running'), isActive('paused'), isActive('done'), isActive('cancelled')]).toEqual([true, true, false, false]);
    expect([isSending('queued'), isSending('paused')]).toEqual([true, false]);
  });
});
