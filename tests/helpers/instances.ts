/**
 * Strapi processes for the multi-instance suites: each boots the app in `dir` (tests/helpers/instance.js),
 * listens on the app's port (0: any; the process prints the one it got) and is stopped with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './app';
import type { Knex } from 'knex';

export interface Instance {
  child: ChildProcess;
  /** The port the process listens on. */
  port: number;
}

export function startInstance(dir: string, env: Record<string, string> = {}): Promise<Instance> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'tests/helpers/instance.js'), dir], {
      cwd: dir,
      env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let out = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /READY (\d+) (\d+)/.exec(out);
      if (ready) resolve({ child, port: Number(ready[2]) });
    });
    child.on('exit', (code) => reject(new Error(`instance exited with ${code}: ${err}`)));
  });
}

export async function stopInstance(instance: Instance | ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = 'child' in instance ? instance.child : instance;
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/**
 * Kills one of `candidates` (SIGKILL) at a moment when `holds(it)` is true of the database: the
 * first process seen to hold is frozen (SIGSTOP), and killed if it still holds once frozen; if it
 * moved on between the two reads it is let go again (SIGCONT) and all are watched anew. A kill
 * "mid-tick" then lands mid-tick every time, not when the process happens to be between batches.
 * Returns the process killed.
 */
export async function killWhile(
  candidates: Instance | Instance[],
  holds: (instance: Instance) => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<Instance> {
  const watched = Array.isArray(candidates) ? candidates : [candidates];
  let victim: Instance | null = null;
  await waitUntil(
    async () => {
      for (const instance of watched) {
        if (!(await holds(instance))) continue;
        instance.child.kill('SIGSTOP');
        if (await holds(instance)) {
          victim = instance;
          return true;
        }
        instance.child.kill('SIGCONT');
      }
      return false;
    },
    timeoutMs,
    what,
  );
  await stopInstance(victim!, 'SIGKILL');
  return victim!;
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what = 'the condition'): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * How many of the messages `ids` are begun and not recorded: their `attempt`th attempt is on
 * record and its answer is not (still queued, under a lease), held by the process `pid` if given.
 */
export async function begunAttempts(knex: Knex, ids: string[], attempt: number, pid?: number): Promise<number> {
  const query = knex('deliverability_logs')
    .count({ n: '*' })
    .whereIn('document_id', ids)
    .where('status', 'queued')
    .where('attempts', attempt)
    .whereNotNull('lease_owner')
    .whereNot('lease_owner', 'bulk:parked');
  if (pid !== undefined) query.where('lease_owner', 'like', `%:${pid}:%`);
  return Number((await query)[0].n);
}

/** How many of the messages `ids` had an attempt found abandoned (begun by a process that died before recording its answer). */
export async function abandonedAttempts(knex: Knex, ids: string[]): Promise<number> {
  const found = await knex('deliverability_events')
    .count({ n: '*' })
    .where('kind', 'send_attempt')
    .where('raw_code', 'abandoned')
    .whereIn('log_document_id', ids);
  return Number(found[0].n);
}
