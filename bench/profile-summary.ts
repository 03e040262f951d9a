/**
 * Summarizes a .cpuprofile written by `BENCH_PROFILE=<step> npm run bench`: where the time went,
 * by function (self time) and by package or plugin file, and the plugin functions' total time
 * (self plus everything they called).
 *
 *   node -r ./bench/register.js bench/profile-summary.ts .tmp/bench-profiles/sqlite-intake.plugin.small.cpuprofile
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/server/')) return 'plugin (dist)';
  if (url.includes('/server/src/')) return `plugin ${url.slice(url.indexOf('/server/src/') + 12)}`;
  if (url.startsWith('node:')) return url;
  return url ? url.replace(/^.*\/work\/main\//, '') : '(native / idle)';
}

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfMs = new Map<number, number>();
profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
const total = [...selfMs.values()].reduce((a, b) => a + b, 0);

const bySelf = new Map<string, number>();
const byPlace = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, ms] of selfMs) {
  const n = byId.get(id)!;
  const name = `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  bySelf.set(name, (bySelf.get(name) ?? 0) + ms);
  byPlace.set(where(n.callFrame.url), (byPlace.get(where(n.callFrame.url)) ?? 0) + ms);
  // Inclusive time of the plugin's own functions: each sample counts once per distinct function up its stack.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    if (!(f.url.includes('/dist/server/') || f.url.includes('/server/src/'))) continue;
    const key = `${f.functionName || '(anonymous)'}  ${where(f.url)}:${f.lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
  }
}

const show = (title: string, map: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${v.toFixed(0).padStart(8)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
};
console.log(`${file}: ${total.toFixed(0)} ms sampled`);
show('By package / file (self time)', byPlace, 15);
show('By function (self time)', bySelf, top);
show("The plugin's functions (inclusive)", inclusive, top);
