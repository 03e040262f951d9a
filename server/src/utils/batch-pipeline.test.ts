import { runPipeline } from './batch-pipeline';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Stages that remember what they saw, with a slow worker and a slow record. */
function observedStages(options: { workMs?: number; recordMs?: number; failRecordAt?: number; failWorkOn?: number } = {}) {
  const seen = { prepared: [] as number[][], recorded: [] as number[][], inFlight: 0, maxInFlight: 0, maxUnrecorded: 0, done: 0 };
  const stages = {
    async prepare(batch: number[]) {
      seen.prepared.push(batch);
      await tick();
      return batch;
    },
    async work(item: number) {
      seen.inFlight += 1;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      await sleep(options.workMs ?? 0);
      seen.inFlight -= 1;
      if (item === options.failWorkOn) throw new Error(`work failed on ${item}`);
      seen.done += 1;
      seen.maxUnrecorded = Math.max(seen.maxUnrecorded, seen.done - seen.recorded.flat().length);
      return item;
    },
    async record(results: number[]) {
      if (seen.recorded.length === options.failRecordAt) throw new Error('record failed');
      await sleep(options.recordMs ?? 0);
      seen.recorded.push(results);
    },
  };
  return { seen, stages };
}

describe('runPipeline', () => {
  it('prepares in batches, works every item once, and records every result', async () => {
    const { seen, stages } = observedStages({ workMs: 1, recordMs: 2 });
    const inputs = Array.from({ length: 250 }, (_, i) => i);
    await runPipeline(inputs, stages, { batchSize: 100, concurrency: 4 });
    expect(seen.prepared.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(seen.recorded.flat().sort((a, b) => a - b)).toEqual(inputs);
    expect(seen.maxInFlight).toBe(4);
  });

  it('records many results at a time when the record is slower than the work, never more than the workers hold', async () => {
    const { seen, stages } = observedStages({ workMs: 0, recordMs: 20 });
    await runPipeline(
      Array.from({ length: 200 }, (_, i) => i),
      stages,
      { batchSize: 50, concurrency: 8 },
    );
    expect(seen.recorded.flat()).toHaveLength(200);
    // Far fewer records than results (group commit)...
    expect(seen.recorded.length).toBeLessThanOrEqual(60);
    expect(Math.max(...seen.recorded.map((batch) => batch.length))).toBeGreaterThan(1);
    // ...and a worker waits for its result's record: never more results unrecorded than workers.
    expect(seen.maxUnrecorded).toBeLessThanOrEqual(8);
  });

  it('stops taking work after a record fails, and throws its error once the rest has settled', async () => {
    const { seen, stages } = observedStages({ workMs: 1, recordMs: 1, failRecordAt: 2 });
    await expect(
      runPipeline(
        Array.from({ length: 500 }, (_, i) => i),
        stages,
        { batchSize: 50, concurrency: 4 },
      ),
    ).rejects.toThrow('record failed');
    expect(seen.done).toBeLessThan(500);
    expect(seen.inFlight).toBe(0);
  });

  it('stops on a failed work item and still records the results already done', async () => {
    const { seen, stages } = observedStages({ workMs: 1, failWorkOn: 30 });
    await expect(
      runPipeline(
        Array.from({ length: 300 }, (_, i) => i),
        stages,
        { batchSize: 100, concurrency: 2 },
      ),
    ).rejects.toThrow('work failed on 30');
    expect(seen.recorded.flat()).toHaveLength(seen.done);
    expect(seen.done).toBeLessThan(300);
  });

  it('does nothing for no input', async () => {
    const { seen, stages } = observedStages();
    await runPipeline([], stages, { batchSize: 10, concurrency: 3 });
    expect(seen.prepared).toEqual([]);
    expect(seen.recorded).toEqual([]);
  });
});
