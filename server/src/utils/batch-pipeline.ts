/**
 * A three-stage pipeline for work that is cheap to prepare and record in batches but slow to do
 * one item at a time (sending: claiming and recording messages in the database, handing each to a
 * provider over the network).
 *
 * - prepare: inputs are prepared a batch at a time; the next batch is prepared while the workers
 *   are busy with this one's items, when fewer than `concurrency` items are left waiting.
 * - work: `concurrency` items at once.
 * - record: a group commit. One record runs at a time; every result that finishes meanwhile is
 *   recorded together by the next one, so a slow database records many results at a time. A
 *   worker takes its next item only once its result is recorded, so a crash can lose at most
 *   `concurrency` results (done, not yet recorded), as if each were recorded alone.
 *
 * A failure in any stage stops new work; work in flight finishes and is recorded where it can be,
 * then the first error is thrown. Nothing is left running when `runPipeline` returns.
 */

export interface PipelineStages<Input, Item, Result> {
  prepare(batch: Input[]): Promise<Item[]>;
  work(item: Item): Promise<Result>;
  record(results: Result[]): Promise<void>;
}

export interface PipelineOptions {
  batchSize: number;
  concurrency: number;
}

function batchesOf<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/**
 * The group commit of the record stage: `add` resolves once the record holding its result has
 * committed, so a worker takes its next item only after its last result is safe.
 */
function groupRecorder<Result>(record: (results: Result[]) => Promise<void>, onError: (error: unknown) => void) {
  let waiting: { result: Result; committed: () => void }[] = [];
  let running: Promise<void> = Promise.resolve();
  // Set and cleared synchronously by the loop, so an `add` never lands between its last look at
  // `waiting` and its end.
  let active = false;
  let stopped = false;
  const loop = async (): Promise<void> => {
    active = true;
    try {
      while (waiting.length > 0) {
        const batch = waiting;
        waiting = [];
        try {
          if (!stopped) await record(batch.map((entry) => entry.result));
        } catch (error) {
          stopped = true;
          onError(error);
        }
        // After a failure the workers are released too; the pipeline stops taking work.
        batch.forEach((entry) => entry.committed());
      }
    } finally {
      active = false;
    }
  };
  return {
    add(result: Result): Promise<void> {
      const committed = new Promise<void>((resolve) => waiting.push({ result, committed: resolve }));
      if (!active) running = loop();
      return committed;
    },
    async drain(): Promise<void> {
      while (active) await running;
    },
  };
}

export async function runPipeline<Input, Item, Result>(
  inputs: Input[],
  stages: PipelineStages<Input, Item, Result>,
  options: PipelineOptions,
): Promise<void> {
  const batches = batchesOf(inputs, options.batchSize);
  let nextBatch = 0;
  const ready: Item[] = [];
  let preparing: Promise<void> | null = null;
  let failure: { error: unknown } | null = null;
  const fail = (error: unknown) => {
    failure ??= { error };
  };
  const recorder = groupRecorder(stages.record, fail);

  const prepareNext = (): Promise<void> => {
    if (!preparing && nextBatch < batches.length && !failure) {
      const batch = batches[nextBatch++];
      preparing = stages
        .prepare(batch)
        .then((items) => void ready.push(...items), fail)
        .finally(() => {
          preparing = null;
        });
    }
    return preparing ?? Promise.resolve();
  };

  const nextItem = async (): Promise<Item | undefined> => {
    for (;;) {
      if (failure) return undefined;
      if (ready.length <= options.concurrency) void prepareNext();
      if (ready.length > 0) return ready.shift();
      if (!preparing && nextBatch >= batches.length) return undefined;
      await prepareNext();
    }
  };

  const worker = async (): Promise<void> => {
    for (let item = await nextItem(); item !== undefined; item = await nextItem()) {
      let result: Result;
      try {
        result = await stages.work(item);
      } catch (error) {
        fail(error);
        return;
      }
      await recorder.add(result);
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  await preparing;
  await recorder.drain();
  if (failure) throw (failure as { error: unknown }).error;
}
