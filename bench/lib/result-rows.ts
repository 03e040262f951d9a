/** The results table's rows for one database: each figure beside its baseline, the ratio and the target. */
import { armRate, LATENCY_MS, type IntakeArms, type IntakeMemory, type ResendingResult, type Step } from './arms';
import { heavyMessages, type Sizes } from './dataset';
import type { Row } from './report';
import { median, percentile, rate, round, type Summary } from './stats';

export interface Measured {
  intakeSmall: Step<IntakeArms>;
  intakeLarge: Step<IntakeArms>;
  intakeMemorySmall: IntakeMemory;
  intakeMemoryLarge: IntakeMemory;
  fewSmall: Step<{ samples: number[] }>;
  fewLarge: Step<{ samples: number[] }>;
  resend: ResendingResult;
  send: Step<{ ms: number; latency: Summary }>;
  sendRaw: Step<{ ms: number }>;
  logsSmall: Record<string, Summary>;
  logsLarge: Record<string, Summary>;
  reportsSmall: Step<{ samples: number[]; total: number }>;
  reportsLarge: Step<{ samples: number[]; total: number }>;
  /** The report for 365 days among the large database: the cost a message in the period. */
  reportsYear: Step<{ samples: number[]; total: number }>;
  /** Every step by name (the runner's `details`). */
  memory: Record<string, unknown>;
}

/** A report's median cost a message in its period, in microseconds. */
const perMessage = (r: { samples: number[]; total: number }): number => round((median(r.samples) * 1000) / Math.max(1, r.total), 2);
const n = (count: number): string => count.toLocaleString('en-GB');
const ms = (value: number): string => `${round(value, 1)} ms`;

function intakeRows(db: string, logs: string, step: Step<IntakeArms>): Row[] {
  const arms = step.result;
  const plugin = armRate(arms.plugin);
  const [ideal, floor, naive] = [armRate(arms.ideal), armRate(arms.floor), armRate(arms.naive)];
  const batches = `${round(median(arms.plugin.samples), 0)} / ${round(percentile(arms.plugin.samples, 99), 0)} ms`;
  const scenario = `Intake, ${logs} logs`;
  return [
    { db, scenario, metric: 'events/s (batch median / p99) vs the ideal', value: `${plugin} (${batches})`, baseline: `ideal ${ideal}`, ratio: round(plugin / ideal), target: '≥ 0.5', met: plugin / ideal >= 0.5 },
    { db, scenario, metric: 'events/s vs the naive peer', value: `${plugin}`, baseline: `naive ${naive}`, ratio: round(plugin / naive, 1), target: '≥ 20×', met: plugin / naive >= 20 },
    { db, scenario, metric: 'events/s vs the insert-only floor', value: `${plugin}`, baseline: `floor ${floor}`, ratio: round(plugin / floor), target: 'report', met: null },
  ];
}

function retrierRows(db: string, sizes: Sizes, logs: string, m: Measured): Row[] {
  const [fewS, fewL] = [median(m.fewSmall.result.samples), median(m.fewLarge.result.samples)];
  const { tick, insert, slow, slowOverlapped, concurrency } = m.resend;
  const tickRate = rate(tick.result.claimed, tick.result.ms);
  const insertRate = rate(tick.result.claimed, insert.result.ms);
  const bound = concurrency / (LATENCY_MS / 1000);
  // Hand-offs, not messages claimed: a message dropped at its begin (a suppressed address) takes
  // no hand-off slot, and counted it would lift the rate past the bound.
  const slowRow = (run: typeof slow, setting: string): Row => {
    const handOffs = run.result.sent + run.result.failed;
    const slowRate = rate(handOffs, run.result.ms);
    const value = `${round(run.result.ms / 1000, 1)} s (${n(handOffs)} hand-offs, ${slowRate}/s; ${run.result.claimed - handOffs} not handed over)`;
    return { db, scenario: `Re-send, ${n(sizes.latencyDue)} due, ${LATENCY_MS} ms transport, ${setting}`, metric: 'one tick, hand-offs/s vs concurrency ÷ latency', value, baseline: `${concurrency} ÷ ${LATENCY_MS / 1000} s = ${bound}`, ratio: round(slowRate / bound), target: '≥ 0.8', met: slowRate / bound >= 0.8 };
  };
  return [
    { db, scenario: `Retrier, ${sizes.retrierFew} due`, metric: `tick median, ${logs} vs ${n(sizes.smallLogs)} logs`, value: ms(fewL), baseline: ms(fewS), ratio: round(fewL / fewS), target: '< 2×', met: fewL / fewS < 2 },
    { db, scenario: `Re-send, ${n(sizes.retrierDue)} due, instant transport`, metric: `one tick, msg/s vs the same rows inserted in batches`, value: `${round(tick.result.ms / 1000, 1)} s (${tickRate} msg/s)`, baseline: `insert ${insertRate} rows/s`, ratio: round(insert.result.ms / tick.result.ms), target: '≥ 0.25', met: insert.result.ms / tick.result.ms >= 0.25 },
    slowRow(slow, 'maxUnrecorded 0'),
    slowRow(slowOverlapped, `maxUnrecorded ${concurrency}`),
    { db, scenario: `Sending ${n(sizes.sends)}, ${logs} logs`, metric: `msg/s (${sizes.sendConcurrency} callers; one send's median / p99)`, value: `${rate(sizes.sends, m.send.result.ms)} (${round(m.send.result.latency.median, 1)} / ${round(m.send.result.latency.p99, 1)} ms)`, baseline: `raw rows ${rate(sizes.sends, m.sendRaw.result.ms)}`, ratio: round(m.sendRaw.result.ms / m.send.result.ms), target: 'report', met: null },
  ];
}

/**
 * The heavy students' page. Their messages are one log in a hundred, so they grow with the data:
 * 1,000 each at scale 1, 10,000 at scale 10. The 20 ms target is for 1,000; beyond, it is reported.
 */
function heavyRow(db: string, sizes: Sizes, large: Summary, small: Summary): Row {
  const messages = heavyMessages(sizes.logs);
  const judged = messages <= 1_000;
  return {
    db,
    scenario: 'Full Logs, heavy student',
    metric: `median / p95 (${n(messages)} msgs)`,
    value: `${large.median} / ${large.p95} ms`,
    baseline: `${n(sizes.smallLogs)} logs: ${small.p95} ms`,
    ratio: null,
    target: judged ? 'p95 < 20 ms' : 'report',
    met: judged ? large.p95 < 20 : null,
  };
}

function readingRows(db: string, sizes: Sizes, logs: string, m: Measured): Row[] {
  const { logsSmall: s, logsLarge: l } = m;
  const [rS, rL] = [m.reportsSmall.result.samples, m.reportsLarge.result.samples];
  const p95 = (samples: number[]) => round(percentile(samples, 95), 1);
  return [
    { db, scenario: `Full Logs, ${logs} logs`, metric: `page + count (students of about ten messages at both sizes), median / p95, vs ${n(sizes.smallLogs)} logs`, value: `${l.service.median} / ${l.service.p95} ms`, baseline: `${s.service.median} / ${s.service.p95} ms`, ratio: round(l.service.p95 / s.service.p95), target: 'p95 ≤ 1.5×', met: l.service.p95 <= 1.5 * s.service.p95 },
    { db, scenario: `Full Logs, ${logs} logs`, metric: 'p95 vs raw SQL page + count', value: `${l.service.p95} ms`, baseline: `raw ${l.raw.p95} ms`, ratio: round(l.service.p95 / l.raw.p95, 1), target: 'report', met: null },
    { db, scenario: `Full Logs, ${logs} logs`, metric: 'Query Engine / Document Service p95', value: `${l.query.p95} ms`, baseline: `documents ${l.documents.p95} ms`, ratio: round(l.documents.p95 / l.query.p95, 1), target: 'report', met: null },
    // The page before the database's files were read into the OS's cache (see run.ts's fullLogs).
    ...(l.asFound ? [{ db, scenario: `Full Logs, ${logs} logs`, metric: "p95 before the database's files were read into the OS's cache, vs after", value: `${l.asFound.p95} ms`, baseline: `after ${l.service.p95} ms`, ratio: round(l.asFound.p95 / l.service.p95, 1), target: 'report', met: null }] : []),
    heavyRow(db, sizes, l.heavy, s.heavy),
    { db, scenario: `Reports, 30 days, ${logs} logs`, metric: `median / p95 (${n(m.reportsLarge.result.total)} msgs), vs ${n(sizes.smallLogs)} logs`, value: `${round(median(rL), 1)} / ${p95(rL)} ms`, baseline: `${round(median(rS), 1)} / ${p95(rS)} ms`, ratio: round(p95(rL) / p95(rS), 1), target: 'p95 < 100 ms', met: p95(rL) < 100 },
    { db, scenario: `Reports, 365 days, ${logs} logs`, metric: `median (${n(m.reportsYear.result.total)} msgs), µs a message vs 30 days`, value: `${round(median(m.reportsYear.result.samples), 1)} ms (${perMessage(m.reportsYear.result)} µs)`, baseline: `${perMessage(m.reportsLarge.result)} µs`, ratio: null, target: 'report', met: null },
  ];
}

function memoryRows(db: string, sizes: Sizes, logs: string, m: Measured): Row[] {
  const stepOf = (name: string) => m.memory[name] as Step<unknown>;
  const mem = (s: Step<unknown>) => `${s.memory.peakMb} MB (+${s.memory.growthMb}; kept ${s.memory.retainedMb})`;
  const pair = (scenario: string, small: string, large: string): Row => {
    const [a, b] = [stepOf(small), stepOf(large)];
    return { db, scenario, metric: `peak RSS (+growth; heap kept), ${n(sizes.smallLogs)} → ${logs}`, value: mem(b), baseline: mem(a), ratio: null, target: 'no growth', met: b.memory.growthMb <= a.memory.growthMb + 32 };
  };
  const [bs, bl] = [m.intakeMemorySmall, m.intakeMemoryLarge];
  const batch = (b: IntakeMemory) => `${median(b.heapPeakMb)} MB (+${median(b.heapGrowthMb)}); RSS ${median(b.peakMb)} MB (+${median(b.growthMb)})`;
  return [
    // A batch's own working set, each after a full collection: the intake's memory as rows are stored.
    {
      db,
      scenario: 'Memory: one intake batch',
      metric: `median peak JS heap in use (+growth); peak RSS (+growth); ${bl.growthMb.length} batches, ${n(sizes.smallLogs)} → ${logs}`,
      value: batch(bl),
      baseline: batch(bs),
      ratio: null,
      target: 'no growth',
      met: median(bl.heapGrowthMb) <= median(bs.heapGrowthMb) + 16 && median(bl.growthMb) <= median(bs.growthMb) + 16,
    },
    // The pass's peak: the ideal arm and the floor run in the same process, and garbage not yet collected counts.
    { ...pair('Memory: intake pass, every arm', 'intake.small', 'intake.large'), target: 'report', met: null },
    pair('Memory: retrier tick', 'retrier.few.small', 'retrier.few.large'),
    pair('Memory: Full Logs', 'fulllogs.small', 'fulllogs.large'),
    pair('Memory: reports', 'reports.small', 'reports.large'),
    { db, scenario: `Memory: re-send, ${n(sizes.retrierDue)} due`, metric: 'peak RSS (+growth; heap kept); at the end: JS heap, outside it', value: `${mem(m.resend.tick)}; ${m.resend.tick.memory.heapTotalMb} MB, ${m.resend.tick.memory.outsideHeapMb} MB`, baseline: `sending: ${mem(m.send)}`, ratio: null, target: 'report', met: null },
  ];
}

export function resultRows(db: string, sizes: Sizes, logCount: number, m: Measured): Row[] {
  const logs = n(logCount);
  return [
    ...intakeRows(db, n(sizes.smallLogs), m.intakeSmall),
    ...intakeRows(db, logs, m.intakeLarge),
    ...retrierRows(db, sizes, logs, m),
    ...readingRows(db, sizes, logs, m),
    ...memoryRows(db, sizes, logs, m),
  ];
}
