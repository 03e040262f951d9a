/** The results: the printed table, the JSON written for later runs, and the comparison with an earlier file. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Sizes } from './dataset';

export interface Row {
  db: string;
  scenario: string;
  metric: string;
  value: string;
  baseline: string;
  /** The figure the target is about (plugin ÷ baseline, or large ÷ small), when there is one. */
  ratio: number | null;
  target: string;
  /** null: reported, no target. */
  met: boolean | null;
}

export interface Results {
  startedAt: string;
  /** The commit that produced these figures; `uncommitted` when the code measured differed from it. */
  commit: { sha: string; subject: string; uncommitted: boolean };
  command: string;
  machine: Record<string, string>;
  sizes: Sizes;
  transportMs: number;
  skipped: string[];
  rows: Row[];
  details: Record<string, unknown>;
  seconds?: number;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const verdict = (met: boolean | null): string => (met === null ? '' : met ? 'met' : 'NOT met');

export function markdownTable(rows: Row[]): string {
  return table(
    ['DB', 'Scenario', 'Metric', 'Plugin', 'Baseline (same run)', 'Ratio', 'Target', ''],
    rows.map((r) => [r.db, r.scenario, r.metric, r.value, r.baseline, r.ratio === null ? '' : String(r.ratio), r.target, verdict(r.met)]),
  );
}

export function printTable(results: Pick<Results, 'rows' | 'machine' | 'sizes' | 'skipped'>): void {
  console.log('');
  console.log(markdownTable(results.rows));
  console.log('');
  for (const [key, value] of Object.entries(results.machine)) console.log(`${key}: ${value}`);
  console.log(`sizes: ${JSON.stringify(results.sizes)}`);
  for (const skipped of results.skipped) console.log(`${skipped}: skipped`);
}

export function readResults(file: string): Results | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
  } catch {
    return null;
  }
}

/** Where a bulk-send run's results for one database and `bulk.maxUnrecorded` are kept (committed, and read by `bench/table.ts`). */
export const bulkResultsFile = (db: string, maxUnrecorded: number): string => `bulk-${db}-unrecorded-${maxUnrecorded}.json`;

/** Where a run's results for one database and scale are kept (committed, and read by `bench/table.ts`). */
export const resultsFile = (dir: string, db: string, scale: number): string => path.join(dir, `${db}-${scale}.json`);

/** The results in `file` (the same database and scale's previous run, or BENCH_COMPARE), to print this run's ratios beside. */
export function compareWith(file: string): { print(current: Results): void } | null {
  if (!fs.existsSync(file)) return null;
  const before = readResults(file);
  if (!before) return null;
  return {
    print(current: Results) {
      const key = (r: Row) => `${r.db}|${r.scenario.replace(/[\d,]+ logs/, 'N logs')}|${r.metric.replace(/[\d,]+/g, 'N')}`;
      const old = new Map(before.rows.map((r) => [key(r), r]));
      const rows = current.rows
        .filter((r) => r.ratio !== null && old.get(key(r))?.ratio != null)
        .map((r) => {
          const o = old.get(key(r))!;
          return [r.db, r.scenario, r.metric, String(o.ratio), String(r.ratio), `${verdict(o.met)} → ${verdict(r.met)}`];
        });
      if (rows.length === 0) return;
      console.log(`\nCompared with ${path.basename(file)} (${before.startedAt}, scale ${before.sizes?.scale}):`);
      console.log(table(['DB', 'Scenario', 'Metric', 'Ratio then', 'Ratio now', 'Target'], rows));
    },
  };
}

/** The machine a run measured on. */
export function machine(): Record<string, string> {
  const cpu = os.cpus();
  return {
    cpu: `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** The commit a run measured, and whether the code differed from it (results and docs aside). */
export function producedBy(): Results['commit'] {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8' }).trim();
  try {
    const changed = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results', ':(exclude)*.md');
    return { sha: git('rev-parse', 'HEAD'), subject: git('log', '-1', '--format=%s'), uncommitted: changed.length > 0 };
  } catch {
    return { sha: 'unknown', subject: '', uncommitted: true };
  }
}
