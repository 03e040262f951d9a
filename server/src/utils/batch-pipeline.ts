/**
 * A three-stage pipeline for work that is cheap to prepare and record in batches but slow to do
 * one item at a time (sending: claiming and recording messages in the database, handing each to a
 * provider over the network).
 *
 * - prepare: inputs come from a source a batch at a time (an array cut in batches, or a claim from
 *   a queue); the next batch is fetched and prepared while the workers are busy, once
 *   `concurrency` items or fewer are left waiting.
 * - work: `concurrency` items at once.
 * - record: a group commit. A record waits (briefly) for a group of results, a quarter of those
 *   that may be outstanding, and then for the rest of the event loop's turn, so that a database
 *   whose every commit is a disk flush commits many results at a time. That turn is also what
 *   lets timers and I/O in when the work never leaves the loop (an in-process transport on a
 *   synchronous database driver): no more than `concurrency + maxUnrecorded` items go by without
 *   one. One record runs at a time. (Two side by side were measured on PostgreSQL,
 *   bench/bulk.ts: no faster, each record slower.)
 *   Items taken plus results not yet recorded never exceed `concurrency + maxUnrecorded`: with
 *   `maxUnrecorded` 0 (the default) a worker takes its next item only once a result is recorded,
 *   so a crash loses at most `concurrency` results (done, not recorded), as if each were recorded
 *   alone; a larger `maxUnrecorded` lets workers go on while results wait for their record, and
 *   a crash can lose that many more.
 *
 * A source or prepare that fails stops new batches, and the items already prepared are still
 * worked and recorded: they may be begun (a message's attempt on record), and left behind they
 * would look abandoned. A failed work item or record stops new work at once; work in flight
 * finishes and is recorded where it can be. Then the first error is thrown. Nothing is left
 * running when `runPipeline` returns.
 */

export interface PipelineStages<Input, Item, Result> {
  prepare(batch: Input[]): Promise<Item[]>;
  /** Awaited by a worker before it works an item (a rate limit); the item still counts as waiting until it returns. */
  pace?(item: Item): Promise<void>;
  work(item: Item): Promise<Result>;
  record(results: Result[]): Promise<void>;
}

export interface PipelineOptions {
  concurrency: number;
  /**
   * The next batch is fetched once this many prepared items or fewer wait (to be taken, or for
   * their pace): `concurrency` by default. Lower it to hold fewer items prepared ahead of the work.
   */
  prefetchBelow?: number;
  /** Results done and not yet recorded that the workers may leave behind them and go on (0 by default). */
  maxUnrecorded?: number;
}

/**
 * The longest the record stage waits for a group of results before it commits what it has: while
 * workers wait on every record (`maxUnrecorded` 0), and while they go on.
 */
const GROUP_WAIT_MS = { workersWait: 10, workersGoOn: 20 };

/** The next batch of inputs, or null (or an empty batch) when there are no more. */
export type BatchSource<Input> = () => Promise<Input[] | null>;

/**
 * `items` in batches of `size`, the first only `first` big, so that the first items go to work
 * after a small prepare.
 */
export function batchesOf<T>(items: readonly T[], size: number, first: number = size): BatchSource<T> {
  let next = 0;
  return async () => {
    if (next >= items.length) return null;
    const end = next === 0 ? Math.min(first, size) : next + size;
    const batch = items.slice(next, end);
    next = end;
    return batch;
  };
}

/**
 * Up to `limit` items claimed from a queue a batch at a time, the first batch only `first` big:
 * the first items go to work after a small claim, and each later claim is made while the items
 * before it are worked. A claim that comes back short means the queue has no more for us (or
 * another process is claiming the rest), and is the last.
 */
export function claimedInBatches<T>(claim: (limit: number) => Promise<T[]>, limit: number, size: number, first: number = size): BatchSource<T> {
  let claimed = 0;
  let more = true;
  return async () => {
    const want = Math.min(claimed === 0 ? Math.min(first, size) : size, limit - claimed);
    if (!more || want <= 0) return null;
    const items = await claim(want);
    claimed += items.length;
    more = items.length === want;
    return items;
  };
}

/** Waiters woken together: `wait` resolves at the next `notify` (a notify with no waiter is lost). */
function signal() {
  let waiters: (() => void)[] = [];
  return {
    wait: (): Promise<void> => new Promise<void>((resolve) => waiters.push(resolve)),
    notify(): void {
      const wake = waiters;
      waiters = [];
      wake.forEach((resolve) => resolve());
    },
  };
}

/** Resolves after the callbacks already due in this turn of the event loop (timers, I/O) have run. */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** When the event loop last reached its check phase, as seen by `turnAtLeastEvery`. */
let lastTurnAt = 0;
let watchingTurn = false;

/**
 * Lets timers and I/O run if the event loop has not turned for `sliceMs`, and goes on at once
 * otherwise. Awaiting `nextTurn` unconditionally costs the rest of the loop's turn each time, a few
 * milliseconds when the loop is busy; work that already waits on a socket lets the loop turn anyway
 * and need not pay it. Work that never leaves the loop (a synchronous database driver's statements)
 * still yields every `sliceMs` (services/attempts.ts, between the steps of a begin and a record).
 */
export async function turnAtLeastEvery(sliceMs: number): Promise<void> {
  if (performance.now() - lastTurnAt >= sliceMs) {
    await nextTurn();
    lastTurnAt = performance.now();
  }
  if (!watchingTurn) {
    watchingTurn = true;
    setImmediate(() => {
      lastTurnAt = performance.now();
      watchingTurn = false;
    });
  }
}

/** `promise`, or `ms` milliseconds, whichever comes first (the timer cleared either way). */
async function atMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How the record stage groups results: it waits (at most `waitMs`) for `minGroup` results while
 * `more()` says results are on their way, so a database whose every commit costs a disk flush
 * (SQLite) commits many results at a time instead of a few.
 */
interface Grouping {
  minGroup: number;
  waitMs: number;
  more: () => boolean;
}

/** The group commit of the record stage, and how many results wait for it. */
function groupRecorder<Result>(record: (results: Result[]) => Promise<void>, onError: (error: unknown) => void, grouping: Grouping) {
  let waiting: Result[] = [];
  let unrecorded = 0;
  let running: Promise<void> = Promise.resolve();
  const recorded = signal();
  const grouped = signal();
  // Set and cleared synchronously by the loop, so an `add` never lands between its last look at
  // `waiting` and its end.
  let active = false;
  let stopped = false;
  const loop = async (): Promise<void> => {
    active = true;
    try {
      while (waiting.length > 0) {
        if (waiting.length < grouping.minGroup && grouping.more()) await atMost(grouped.wait(), grouping.waitMs);
        // One turn of the event loop more: the workers the last record released take their next
        // items, and what they finish in this turn (an instant transport's hand-offs) joins this
        // group. Without it, two halves of the workers take turns, each recorded on its own.
        await nextTurn();
        const batch = waiting;
        waiting = [];
        try {
          if (!stopped) await record(batch);
        } catch (error) {
          stopped = true;
          onError(error);
        }
        // After a failure the workers are released too; the pipeline stops taking work.
        unrecorded -= batch.length;
        recorded.notify();
      }
    } finally {
      active = false;
    }
  };
  return {
    add(result: Result): void {
      waiting.push(result);
      unrecorded += 1;
      if (waiting.length >= grouping.minGroup || !grouping.more()) grouped.notify();
      if (!active) running = loop();
    },
    unrecorded: () => unrecorded,
    /** Resolves when the record running now (or the next one) has ended. */
    nextRecord: recorded.wait,
    async drain(): Promise<void> {
      while (active) await running;
    },
  };
}

/** Feeds prepared items to the workers, fetching and preparing the next batch ahead of need. */
function preparedFeed<Input, Item>(source: BatchSource<Input>, prepare: (batch: Input[]) => Promise<Item[]>, lowWater: number, fail: (error: unknown) => void) {
  const ready: Item[] = [];
  /** Items taken by a worker and not yet past their pace. */
  let pacing = 0;
  const change = signal();
  let preparing: Promise<void> | null = null;
  let exhausted = false;
  const prepareNext = (): void => {
    if (!preparing && !exhausted) {
      preparing = source()
        .then(async (batch) => {
          if (!batch || batch.length === 0) exhausted = true;
          else ready.push(...(await prepare(batch)));
        })
        .catch((error: unknown) => {
          exhausted = true;
          fail(error);
        })
        .finally(() => {
          preparing = null;
          change.notify();
        });
    }
  };
  return {
    /** An item now, `undefined` if none is ready yet, `null` if there will be none. */
    take(): Item | null | undefined {
      if (ready.length + pacing <= lowWater) prepareNext();
      if (ready.length > 0) {
        pacing += 1;
        return ready.shift();
      }
      return !preparing && exhausted ? null : undefined;
    },
    /** Awaits `pace` for an item taken from the feed; until then it counts as waiting. */
    async paced(item: Item, pace: ((item: Item) => Promise<void>) | undefined): Promise<void> {
      try {
        if (pace) await pace(item);
      } finally {
        pacing -= 1;
        change.notify();
      }
    },
    /** Resolves when a batch has been prepared or an item has passed its pace: time to `take` again. */
    changed: change.wait,
    settled: async (): Promise<void> => {
      while (preparing) await preparing;
    },
  };
}

export async function runPipeline<Input, Item, Result>(
  source: BatchSource<Input>,
  stages: PipelineStages<Input, Item, Result>,
  options: PipelineOptions,
): Promise<void> {
  const concurrency = Math.max(1, options.concurrency);
  /** Items taken by a worker and not yet handed to the recorder. */
  let taken = 0;
  let failure: { error: unknown } | null = null;
  const fail = (error: unknown) => {
    failure ??= { error };
  };
  const maxUnrecorded = Math.max(0, options.maxUnrecorded ?? 0);
  const maxOutstanding = concurrency + maxUnrecorded;
  // A quarter of what may be outstanding: big enough to spare commits, small enough to fill
  // long before the wait ends while the workers are busy.
  const recorder = groupRecorder(stages.record, fail, {
    minGroup: Math.max(1, Math.ceil(maxOutstanding / 4)),
    waitMs: maxUnrecorded > 0 ? GROUP_WAIT_MS.workersGoOn : GROUP_WAIT_MS.workersWait,
    more: () => taken > 0 && !failure,
  });
  // Thrown once the items prepared before it are worked and recorded.
  let feedFailure: { error: unknown } | null = null;
  const feed = preparedFeed(source, (batch) => stages.prepare(batch), options.prefetchBelow ?? concurrency, (error) => {
    feedFailure ??= { error };
  });

  // Taken synchronously once there is room, so taken items and unrecorded results never exceed the bound.
  const nextItem = async (): Promise<Item | undefined> => {
    for (;;) {
      if (failure) return undefined;
      if (taken + recorder.unrecorded() >= maxOutstanding) {
        await recorder.nextRecord();
        continue;
      }
      const item = feed.take();
      if (item === null) return undefined;
      if (item !== undefined) {
        taken += 1;
        return item;
      }
      await feed.changed();
    }
  };

  const worker = async (): Promise<void> => {
    for (let item = await nextItem(); item !== undefined; item = await nextItem()) {
      try {
        await feed.paced(item, stages.pace?.bind(stages));
        const result = await stages.work(item);
        taken -= 1;
        recorder.add(result);
      } catch (error) {
        taken -= 1;
        fail(error);
        return;
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));
  await feed.settled();
  await recorder.drain();
  const first = failure ?? feedFailure;
  if (first) throw (first as { error: unknown }).error;
}
