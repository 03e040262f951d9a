/** What the runner's steps answer: the arms of each scenario and their samples. */
import { rate, round, sum, type Summary } from './stats';

export interface StepMemory {
  /** RSS when the step started, its peak during the step, and the difference. */
  startMb: number;
  peakMb: number;
  growthMb: number;
  /** JS heap still in use after a full collection, after the step minus before it: what the step kept. */
  retainedMb: number;
  /**
   * At the step's end, before any collection: the JS heap V8 holds (garbage included), and the
   * RSS outside it (native: database drivers' statements and buffers). Tells which one a peak was.
   */
  heapTotalMb: number;
  outsideHeapMb: number;
}

export interface Step<T> {
  result: T;
  memory: StepMemory;
  queries: number;
  ms: number;
}

/** The intake's arms: the plugin over HTTP, the ideal set-based SQL, the insert-only floor, the naive peer. */
export type IntakeArm = 'plugin' | 'ideal' | 'floor' | 'naive';

export interface ArmSamples {
  /** One duration a batch, ms. */
  samples: number[];
  events: number;
  duplicates: number;
}

export interface IntakeArms extends Record<IntakeArm, ArmSamples> {
  /** The plugin's answers, summed over the batches. */
  answers: Record<string, number>;
  /** SQL statements the plugin ran for its batches (the other arms' are not counted). */
  pluginQueries: number;
}

/** The plugin's intake batches one at a time, each after a full collection (see run.ts's intakeMemory). */
export interface IntakeMemory {
  /** Each batch's peak RSS above where it started, MB. */
  growthMb: number[];
  peakMb: number[];
  /** Each batch's peak JS heap in use above the collected heap it started from, MB. */
  heapGrowthMb: number[];
  heapPeakMb: number[];
}

/** Batches a size for IntakeMemory: enough for a median, few enough to add seconds, not minutes. */
export const INTAKE_MEMORY_BATCHES = 8;

export const newIntakeArms = (): IntakeArms => {
  const arm = (): ArmSamples => ({ samples: [], events: 0, duplicates: 0 });
  return { plugin: arm(), ideal: arm(), floor: arm(), naive: arm(), answers: {}, pluginQueries: 0 };
};

/** Events a second over the batches' own durations. */
export const armRate = (arm: ArmSamples): number => rate(arm.events, sum(arm.samples));

export function describeIntake(arms: IntakeArms): string {
  const plugin = armRate(arms.plugin);
  return `plugin ${plugin} events/s, ideal ${armRate(arms.ideal)} (${round(plugin / armRate(arms.ideal))}), floor ${armRate(arms.floor)}, naive ${armRate(arms.naive)} (${round(plugin / armRate(arms.naive), 1)}×); repeats plugin ${arms.plugin.duplicates}, ideal ${arms.ideal.duplicates}; answers ${JSON.stringify(arms.answers)}`;
}

export type FullLogsVariant = 'service' | 'query' | 'raw' | 'documents';
export const FULL_LOGS_VARIANTS: FullLogsVariant[] = ['service', 'query', 'raw', 'documents'];

/** Where a tick's time went, from its hand-offs' times (the worker's `handOffPhases`). */
export interface HandOffPhases {
  /** From the tick's start to the first hand-off: the claim and the first begin. */
  beforeFirstMs: number;
  /** From the first hand-off to the last answer. */
  handingOverMs: number;
  /** From the last answer to the tick's end: the last record. */
  afterLastMs: number;
  /** Each hand-off, from its start to its answer: the transport's latency and the event loop's delay in reading the answer. */
  each: Summary;
}

/** A tick's phases for the run's log. */
export function describePhases(phases: HandOffPhases | null): string {
  if (!phases) return '';
  const { beforeFirstMs, handingOverMs, afterLastMs, each } = phases;
  return `; ${Math.round(beforeFirstMs)} ms to the first hand-off, ${Math.round(handingOverMs)} ms handing over, ${Math.round(afterLastMs)} ms after the last answer; a hand-off took ${each.median} ms (median), ${each.p95} ms (p95)`;
}

export interface TickAnswer {
  ms: number;
  claimed: number;
  sent: number;
  failed: number;
  handOffs: HandOffPhases | null;
}

/** The transport's fixed latency in the re-send arm with latency. */
export const LATENCY_MS = 50;
/** Rows a statement (and a transaction) in the re-send arm's baseline. */
export const RESEND_INSERT_BATCH = 500;

export interface ResendingResult {
  /** One tick, `retrierDue` due, instant transport. */
  tick: Step<TickAnswer>;
  /** The database inserting the same rows in batches. */
  insert: Step<{ ms: number }>;
  /** One tick, `latencyDue` due, a transport answering after LATENCY_MS. */
  slow: Step<TickAnswer>;
  /** The same with `retrier.maxUnrecorded` = `concurrency`: hand-offs go on while answers wait for their record. */
  slowOverlapped: Step<TickAnswer>;
  concurrency: number;
}
