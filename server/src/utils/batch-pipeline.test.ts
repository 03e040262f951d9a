import { batchesOf, claimedInBatches, nextTurn, runPipeline, turnAtLeastEvery, type BatchSource } from './batch-pipeline';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Stages that remember what they saw, with a slow worker and a slow record. */
function observedStages(options: { workMs?: number | 'instant' | ((item: number) => number); recordMs?: number; failRecordAt?: number; failWorkOn?: number } = {}) {
  const seen = {
    prepared: [] as number[][],
    recorded: [] as number[][],
    inFlight: 0,
    maxInFlight: 0,
    /** The most items in flight plus results done and not recorded, at any moment. */
    maxOutstanding: 0,
    /** Whether a record ever ran while items were in flight. */
    workedDuringRecord: false,
    done: 0,
  };
  let recording = false;
  const outstanding = () => seen.inFlight + seen.done - seen.recorded.flat().length;
  const stages = {
    async prepare(batch: number[]) {
      seen.prepared.push(batch);
      await nextTurn();
      return batch;
    },
    async work(item: number) {
      seen.inFlight += 1;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      seen.maxOutstanding = Math.max(seen.maxOutstanding, outstanding());
      if (recording) seen.workedDuringRecord = true;
      // 'instant': done within the turn it began in, as an in-process transport's hand-off is.
      if (options.workMs === 'instant') await Promise.resolve();
      else await sleep(typeof options.workMs === 'function' ? options.workMs(item) : (options.workMs ?? 0));
      seen.inFlight -= 1;
      if (item === options.failWorkOn) throw new Error(`work failed on ${item}`);
      seen.done += 1;
      return item;
    },
    async record(results: number[]) {
      if (seen.recorded.length === options.failRecordAt) throw new Error('record failed');
      recording = true;
      await sleep(options.recordMs ?? 0);
      recording = false;
      seen.recorded.push(results);
    },
  };
  return { seen, stages };
}

describe('runPipeline', () => {
  it('prepares in batches, works every item once, and records every result', async () => {
    const { seen, stages } = observedStages({ workMs: 1, recordMs: 2 });
    const inputs = Array.from({ length: 250 }, (_, i) => i);
    await runPipeline(batchesOf(inputs, 100, 4), stages, { concurrency: 4 });
    expect(seen.prepared.map((b) => b.length)).toEqual([4, 100, 100, 46]);
    expect(seen.recorded.flat().sort((a, b) => a - b)).toEqual(inputs);
    expect(seen.maxInFlight).toBe(4);
  });

  it('records many results at a time when the record is slower than the work, and bounds what waits for it', async () => {
    const { seen, stages } = observedStages({ workMs: 0, recordMs: 20 });
    await runPipeline(batchesOf(Array.from({ length: 200 }, (_, i) => i), 50), stages, { concurrency: 8, maxUnrecorded: 5 });
    expect(seen.recorded.flat()).toHaveLength(200);
    // Far fewer records than results (group commit)...
    expect(seen.recorded.length).toBeLessThanOrEqual(60);
    expect(Math.max(...seen.recorded.map((batch) => batch.length))).toBeGreaterThan(1);
    // ...and what a crash could lose stays bounded: in flight plus unrecorded at most 8 + 5.
    expect(seen.maxOutstanding).toBeLessThanOrEqual(13);
  });

  it('keeps working while a record runs, when there is room for unrecorded results', async () => {
    const { seen, stages } = observedStages({ workMs: 5, recordMs: 20 });
    await runPipeline(batchesOf(Array.from({ length: 30 }, (_, i) => i), 10), stages, { concurrency: 1, maxUnrecorded: 2 });
    expect(seen.recorded.flat()).toHaveLength(30);
    expect(seen.workedDuringRecord).toBe(true);
    expect(seen.maxOutstanding).toBeLessThanOrEqual(3);
  });

  it('with room for unrecorded results, a record waits for a group of them before it commits', async () => {
    const { seen, stages } = observedStages({ workMs: 3, recordMs: 1 });
    await runPipeline(batchesOf(Array.from({ length: 120 }, (_, i) => i), 40), stages, { concurrency: 4, maxUnrecorded: 8 });
    expect(seen.recorded.flat()).toHaveLength(120);
    // Groups of at least 3 (a quarter of 4 + 8 outstanding), but for the tail and a 20 ms timeout.
    expect(seen.recorded.length).toBeLessThanOrEqual(120 / 3 + 3);
    expect(seen.maxOutstanding).toBeLessThanOrEqual(12);
  });

  it('by default, a worker takes its next item only once a result is recorded', async () => {
    const { seen, stages } = observedStages({ workMs: 2, recordMs: 5 });
    await runPipeline(batchesOf(Array.from({ length: 20 }, (_, i) => i), 10), stages, { concurrency: 1 });
    expect(seen.recorded.flat()).toHaveLength(20);
    expect(seen.workedDuringRecord).toBe(false);
    expect(seen.maxOutstanding).toBe(1);

    const many = observedStages({ workMs: 1, recordMs: 10 });
    await runPipeline(batchesOf(Array.from({ length: 100 }, (_, i) => i), 25), many.stages, { concurrency: 4 });
    expect(many.seen.recorded.flat()).toHaveLength(100);
    expect(many.seen.maxOutstanding).toBeLessThanOrEqual(4);
  });

  it('by default, workers that wait on their record still have it grouped (a quarter of the concurrency)', async () => {
    // Results finish one at a time (work of 2 to 8 ms), each record far quicker than the work.
    const { seen, stages } = observedStages({ workMs: (item) => 2 + ((item * 5) % 7), recordMs: 1 });
    await runPipeline(batchesOf(Array.from({ length: 160 }, (_, i) => i), 40), stages, { concurrency: 8 });
    expect(seen.recorded.flat()).toHaveLength(160);
    expect(seen.maxOutstanding).toBeLessThanOrEqual(8);
    // Groups of at least 2, but for the tail and a 10 ms timeout.
    expect(seen.recorded.length).toBeLessThanOrEqual(160 / 2 + 4);
  });

  it('by default, records together the results that are done in the same turn of the event loop', async () => {
    // An instant transport: a round's hand-offs end in the turn they began in.
    const { seen, stages } = observedStages({ workMs: 'instant', recordMs: 2 });
    await runPipeline(batchesOf(Array.from({ length: 320 }, (_, i) => i), 100, 32), stages, { concurrency: 32 });
    expect(seen.recorded.flat()).toHaveLength(320);
    expect(seen.maxOutstanding).toBeLessThanOrEqual(32);
    // About one record a round of 32, not one for the first quarter and another for the rest.
    expect(seen.recorded.length).toBeLessThanOrEqual(320 / 32 + 3);
  });

  it('takes batches from a source until it has no more, preparing the next while items are worked', async () => {
    const { seen, stages } = observedStages({ workMs: 2, recordMs: 1 });
    let calls = 0;
    const source: BatchSource<number> = async () => {
      calls += 1;
      await nextTurn();
      return calls <= 5 ? Array.from({ length: 6 }, (_, i) => calls * 100 + i) : [];
    };
    await runPipeline(source, stages, { concurrency: 4 });
    expect(seen.recorded.flat()).toHaveLength(30);
    expect(seen.prepared).toHaveLength(5);
    expect(calls).toBe(6);
  });

  it('counts items waiting for their pace as prepared ahead, so a slow pace holds few batches ahead', async () => {
    const { seen, stages } = observedStages();
    let pacedOut = 0;
    let maxAhead = 0;
    const source: BatchSource<number> = async () => (seen.prepared.flat().length < 60 ? Array.from({ length: 10 }, (_, i) => i) : null);
    const paced = {
      ...stages,
      async prepare(batch: number[]) {
        const items = await stages.prepare(batch);
        // Prepared and not yet past their pace, this batch included.
        maxAhead = Math.max(maxAhead, seen.prepared.flat().length - pacedOut);
        return items;
      },
      async pace() {
        await sleep(2);
        pacedOut += 1;
      },
    };
    // Eight lanes, all waiting on the pace: without counting them, eight items would be fetched ahead.
    await runPipeline(source, paced, { concurrency: 8, prefetchBelow: 5 });
    expect(seen.recorded.flat()).toHaveLength(60);
    expect(maxAhead).toBeLessThanOrEqual(5 + 10);
  });

  /** A source whose `failOn`th call throws 'claim failed'; each other call returns `batch(call)`. */
  function sourceFailingOn(failOn: number, batch: (call: number) => number[]): BatchSource<number> {
    let calls = 0;
    return async () => {
      calls += 1;
      if (calls === failOn) throw new Error('claim failed');
      return batch(calls);
    };
  }

  it('stops on a source that fails, after recording what was done', async () => {
    const { seen, stages } = observedStages({ workMs: 1 });
    const source = sourceFailingOn(3, (call) => [call * 10, call * 10 + 1]);
    await expect(runPipeline(source, stages, { concurrency: 2 })).rejects.toThrow('claim failed');
    expect(seen.prepared).toHaveLength(2);
    expect(seen.recorded.flat()).toHaveLength(seen.done);
    expect(seen.inFlight).toBe(0);
  });

  it('still works and records the items already prepared when the next claim or prepare fails', async () => {
    // Prepared items are begun (their attempts on record): left behind, they would look abandoned.
    const { seen, stages } = observedStages({ workMs: 5 });
    const source = sourceFailingOn(2, () => Array.from({ length: 20 }, (_, i) => i));
    await expect(runPipeline(source, stages, { concurrency: 2, prefetchBelow: 18 })).rejects.toThrow('claim failed');
    expect(seen.prepared).toHaveLength(1);
    expect(seen.done).toBe(20);
    expect(seen.recorded.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('stops taking work after a record fails, and throws its error once the rest has settled', async () => {
    const { seen, stages } = observedStages({ workMs: 1, recordMs: 1, failRecordAt: 2 });
    await expect(
      runPipeline(batchesOf(Array.from({ length: 500 }, (_, i) => i), 50), stages, { concurrency: 4 }),
    ).rejects.toThrow('record failed');
    expect(seen.done).toBeLessThan(500);
    expect(seen.inFlight).toBe(0);
  });

  it('stops on a failed work item and still records the results already done', async () => {
    const { seen, stages } = observedStages({ workMs: 1, failWorkOn: 30 });
    await expect(
      runPipeline(batchesOf(Array.from({ length: 300 }, (_, i) => i), 100), stages, { concurrency: 2 }),
    ).rejects.toThrow('work failed on 30');
    expect(seen.recorded.flat()).toHaveLength(seen.done);
    expect(seen.done).toBeLessThan(300);
  });

  it.each([0, 4])('lets the event loop turn at least every concurrency + maxUnrecorded items (maxUnrecorded %i), when nothing else leaves it', async (maxUnrecorded) => {
    // Work, prepare and record that never leave the loop, as hand-offs to an in-process transport
    // on a synchronous database driver: only the record's own turn lets timers and I/O in.
    let worked = 0;
    let seenAtLastTurn = 0;
    let mostBetweenTurns = 0;
    let running = true;
    const onTurn = () => {
      mostBetweenTurns = Math.max(mostBetweenTurns, worked - seenAtLastTurn);
      seenAtLastTurn = worked;
      if (running) setImmediate(onTurn);
    };
    setImmediate(onTurn);
    const stages = {
      prepare: async (batch: number[]) => batch,
      work: async (item: number) => {
        worked += 1;
        return item;
      },
      record: async () => undefined,
    };
    await runPipeline(batchesOf(Array.from({ length: 2000 }, (_, i) => i), 100), stages, { concurrency: 4, maxUnrecorded });
    running = false;
    expect(worked).toBe(2000);
    expect(mostBetweenTurns).toBeGreaterThan(0);
    expect(mostBetweenTurns).toBeLessThanOrEqual(4 + maxUnrecorded);
  });

  it('does nothing for no input', async () => {
    const { seen, stages } = observedStages();
    await runPipeline(batchesOf([], 10), stages, { concurrency: 3 });
    expect(seen.prepared).toEqual([]);
    expect(seen.recorded).toEqual([]);
  });
});

describe('claimedInBatches', () => {
  /** A queue of `due` items whose claims are remembered. */
  function queue(due: number) {
    let next = 0;
    const claims: number[] = [];
    const claim = async (limit: number) => {
      claims.push(limit);
      const items = Array.from({ length: Math.max(0, Math.min(limit, due - next)) }, (_, i) => next + i);
      next += items.length;
      return items;
    };
    return { claim, claims };
  }

  async function drain<T>(source: BatchSource<T>): Promise<T[][]> {
    const batches: T[][] = [];
    for (let batch = await source(); batch && batch.length > 0; batch = await source()) batches.push(batch);
    return batches;
  }

  it('claims a small first batch, then full batches up to the limit', async () => {
    const { claim, claims } = queue(1000);
    const batches = await drain(claimedInBatches(claim, 300, 100, 32));
    expect(claims).toEqual([32, 100, 100, 68]);
    expect(batches.flat()).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('claims no more after a short claim', async () => {
    const { claim, claims } = queue(150);
    expect((await drain(claimedInBatches(claim, 300, 100, 32))).map((b) => b.length)).toEqual([32, 100, 18]);
    expect(claims).toEqual([32, 100, 100]);
  });

  it('claims once when the limit is below the first batch', async () => {
    const { claim, claims } = queue(1000);
    expect((await drain(claimedInBatches(claim, 10, 100, 32))).flat()).toHaveLength(10);
    expect(claims).toEqual([10]);
  });

  it('feeds the pipeline every item claimed, each batch prepared once', async () => {
    const { claim, claims } = queue(1000);
    const { seen, stages } = observedStages({ workMs: 5 });
    await runPipeline(claimedInBatches(claim, 200, 50, 8), stages, { concurrency: 8 });
    expect(claims).toEqual([8, 50, 50, 50, 42]);
    expect(seen.prepared.map((b) => b.length)).toEqual([8, 50, 50, 50, 42]);
    expect(seen.recorded.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});

describe('turnAtLeastEvery', () => {
  const busyFor = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };

  it('goes on at once when the event loop has just turned', async () => {
    await turnAtLeastEvery(5);
    await nextTurn();
    const order: string[] = [];
    setImmediate(() => order.push('the loop turned'));
    await turnAtLeastEvery(5);
    order.push('went on');
    expect(order).toEqual(['went on']);
  });

  it('lets timers run every slice, for work that never leaves the loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    // 100 ms of promise callbacks and CPU, as lanes handing off to an instant transport are.
    const until = performance.now() + 100;
    while (performance.now() < until) {
      await turnAtLeastEvery(5);
      busyFor(0.5);
    }
    clearInterval(timer);
    // About 20 slices of 5 ms, each a turn; with no turn at all the timer would never run.
    expect(ticks).toBeGreaterThanOrEqual(10);
  });
});
