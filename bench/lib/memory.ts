import fs from 'node:fs';

/**
 * Peak memory of another process (the Strapi child), from /proc/<pid>/status: VmHWM is the
 * resident set's high-water mark. Writing "5" to /proc/<pid>/clear_refs resets the mark to the
 * current RSS (Linux ≥ 4.0), so each step's peak is its own. Where that is refused, a sampler
 * reading VmRSS every 20 ms stands in.
 */

export interface MemoryReading {
  rssMb: number;
  hwmMb: number;
}

/** A `Name:   123 kB` line of a /proc file (status, meminfo), in MB; NaN when absent. */
export function procFieldMb(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

export function readMemory(pid: number): MemoryReading {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMb: Math.round(procFieldMb(status, 'VmRSS')), hwmMb: Math.round(procFieldMb(status, 'VmHWM')) };
}

export class PeakTracker {
  private timer: NodeJS.Timeout | null = null;
  private sampledPeak = 0;
  private resetWorks = true;
  private startRss = 0;
  private overall = 0;

  constructor(private readonly pid: number) {}

  /** The highest RSS seen over the whole run so far, steps and what ran between them alike. */
  runPeakMb(): number {
    try {
      this.overall = Math.max(this.overall, readMemory(this.pid).hwmMb);
    } catch {
      /* the process ended */
    }
    return this.overall;
  }

  /** Starts a step: resets the high-water mark and remembers the RSS the step started from. */
  start(): void {
    this.runPeakMb();
    try {
      fs.writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    } catch {
      this.resetWorks = false;
    }
    this.startRss = readMemory(this.pid).rssMb;
    this.sampledPeak = this.startRss;
    if (!this.resetWorks) {
      this.timer = setInterval(() => {
        try {
          this.sampledPeak = Math.max(this.sampledPeak, readMemory(this.pid).rssMb);
        } catch {
          /* the process ended */
        }
      }, 20);
      this.timer.unref();
    }
  }

  /** Ends a step: its peak RSS, and how far that is above where the step started. */
  stop(): { startMb: number; peakMb: number; growthMb: number; method: 'VmHWM' | 'sampled VmRSS' } {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const peak = this.resetWorks ? readMemory(this.pid).hwmMb : Math.max(this.sampledPeak, readMemory(this.pid).rssMb);
    this.overall = Math.max(this.overall, peak);
    return { startMb: this.startRss, peakMb: peak, growthMb: peak - this.startRss, method: this.resetWorks ? 'VmHWM' : 'sampled VmRSS' };
  }
}
