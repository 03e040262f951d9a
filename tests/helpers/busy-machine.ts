/**
 * A machine as busy as CI's: processes that spin on every core while `work` runs. Races that a quiet
 * machine wins by speed (a transaction that locks, decides and writes before anyone else arrives)
 * are lost on a loaded one, where each step waits for a core; this makes them lose here too.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

export async function onBusyMachine<T>(work: () => Promise<T>, spinners = availableParallelism()): Promise<T> {
  const children = Array.from({ length: spinners }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  try {
    return await work();
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}
