// How many cores other processes keep busy, from /proc/stat (all CPU time on the host) minus this process's own
// CPU time (process.cpuUsage counts every thread, llama.cpp's included). In a container that sees the host's
// /proc/stat but only some of its CPUs, other tenants' load counts too; the thread count then errs low, never high. The embedded engine sizes its compute
// threads by it: llama.cpp's threads wait for one another at every layer, so a thread that shares a core with a
// busy process stalls all of them (measured here: the quickstart took 9x longer with one of two cores busy).
// Hand-written: the few lines of /proc/stat arithmetic are smaller than any dependency that offers them.
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc/stat on Linux (USER_HZ, fixed at 100 on every mainstream arch). */
const USER_HZ = 100;

interface Sample {
  /** Host CPU time not idle, in seconds. */
  busy: number;
  /** This process's CPU time, in seconds. */
  own: number;
  /** Wall time, in seconds. */
  at: number;
}

/** Reads /proc/stat's aggregate line; null where there is none (not Linux, or a restricted /proc). */
export function hostBusySeconds(statText?: string): number | null {
  let text = statText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/stat', 'utf8');
    } catch {
      return null;
    }
  }
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return null;
  const idle = fields[3]! + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return (total - idle) / USER_HZ;
}

/**
 * Measures other processes' CPU use while this process evaluates (between `start` and `stop`): that is the load
 * that contends with the compute threads. Time between evaluations (this process idle, its sandboxes' tool calls
 * running) is left out, so a burst that is over by the next step does not count.
 */
export class CpuContention {
  private started: Sample | null = null;
  private last: number | null = null;

  constructor(
    private readonly read: () => number | null = () => hostBusySeconds(),
    private readonly ownSeconds: () => number = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    },
    private readonly now: () => number = () => performance.now() / 1000,
  ) {}

  private sample(): Sample | null {
    const busy = this.read();
    return busy === null ? null : { busy, own: this.ownSeconds(), at: this.now() };
  }

  start(): void {
    this.started = this.sample();
  }

  /**
   * Ends a measurement. One shorter than `minWindow` seconds keeps the previous estimate: the host's counters
   * tick every 10 ms, too coarse for a short window.
   */
  stop(minWindow = 0.25): void {
    const begun = this.started;
    this.started = null;
    const current = begun ? this.sample() : null;
    if (!begun || !current) return;
    const wall = current.at - begun.at;
    if (wall < minWindow) return;
    this.last = Math.max(0, current.busy - begun.busy - (current.own - begun.own)) / wall;
  }

  /** Cores other processes kept busy during the last measured evaluation; null before one, or without /proc/stat. */
  othersBusy(): number | null {
    return this.last;
  }
}

/**
 * How busy a core must be kept by others before one thread less is faster. Measured by bench:threads on 2 cores,
 * ms per step with 2 threads against 1, beside a neighbour that takes a share of one core: 0.25 of a core 1,797
 * against 2,093; 0.5: 1,832 against 2,237; 0.75: 2,999 against 2,572; a whole core: 2,905 against 2,262. The two
 * cross at about 0.62 there, at about 0.7 in an earlier run.
 */
export const CORE_TAKEN_AT = 0.65;

/**
 * Compute threads for the next evaluation: no more than the cores other processes leave free (a core busy for
 * CORE_TAKEN_AT of the time or more counts as taken), nor than configured, and at least one.
 */
export function threadsFor(configured: number, cores: number, othersBusy: number | null): number {
  if (othersBusy === null) return configured;
  const taken = Math.floor(othersBusy + (1 - CORE_TAKEN_AT));
  return Math.max(1, Math.min(configured, cores - taken));
}
