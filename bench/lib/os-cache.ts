/**
 * Reading a file once, from start to end, so that the operating system keeps its pages in memory
 * (its page cache): SQLite's reads past its own small cache then cost a copy, not a disk read.
 */
import fs from 'node:fs';
import { procFieldMb } from './memory';

export async function readIntoOsCache(file: string): Promise<{ bytes: number; ms: number }> {
  const started = Date.now();
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) bytes += (chunk as Buffer).length;
  return { bytes, ms: Date.now() - started };
}

/**
 * Megabytes of the page cache that are waiting to be written to disk, or being written (Linux's
 * Dirty + Writeback in /proc/meminfo; null elsewhere). A large figure before a timed step means
 * its commits share the disk with an earlier step's writes.
 */
export function unwrittenMb(): number | null {
  let meminfo: string;
  try {
    meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return null;
  }
  return Math.round(procFieldMb(meminfo, 'Dirty') + procFieldMb(meminfo, 'Writeback'));
}
