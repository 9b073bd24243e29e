// A warm pool of sandboxes on one Docker host: containers created, started and given a task's initial state
// before an episode asks, so the episode takes one with a rename (a few ms) instead of a create, a start and a
// setup (a few hundred ms). Entries are keyed by what makes two sandboxes interchangeable (image, limits, labels,
// the task's initial state). The pool warms only as many as its callers say they will still ask for, keeps at
// most `size` over all keys, drops an entry left idle, hands each out once, and is drained when its worker stops.
//
// A handed-out container is found by its episode like any other: it carries the episode's sandbox name, so a retry,
// a move or the episode's close finds it by name. Its labels (fixed at creation) name the run and task but no
// episode; the sweep treats such a container as the task's (see worker/sandbox-sweep.ts).
import { randomUUID } from 'node:crypto';
import { LABEL_EPISODE, LABEL_POOL, POOL_NAME_PREFIX } from './profile.js';
import type { SlotAnswer } from './host-slots.js';
import type { RemovalQueue } from './removal-queue.js';
import type { SandboxManager } from './sandbox.js';

export interface WarmRequest {
  /** Requests with equal keys are served by interchangeable sandboxes. */
  key: string;
  /** The name the sandbox takes when handed out (the one its caller would have created it under). */
  name: string;
  /** The labels the caller would have created it with. */
  labels: Record<string, string>;
  /** How many more sandboxes of this key the caller expects to ask for soon: the pool warms no more than that. */
  ahead: number;
  /** Creates, starts and sets up a sandbox under `name` and `labels`; returns its id. */
  start(name: string, labels: Record<string, string>): Promise<string>;
}

export interface WarmPoolOptions {
  /** Warm sandboxes held (or being started) at most, over all keys; 0 turns the pool off. */
  size: number;
  /** An entry nobody took for this long is removed. */
  idleMs: number;
  /** A slot under the host's cap of live sandboxes, reserved before each warm start (none asked: no cap). */
  reserve?: () => Promise<SlotAnswer>;
  /** A warm start that failed (the episode that would have taken it starts its own). */
  onError?: (error: unknown) => void;
}

export const DEFAULT_WARM_SANDBOXES = 2;
/** Long enough to bridge one episode of a task and the next; short enough that a finished task's leftovers go soon. */
export const DEFAULT_WARM_IDLE_MS = 60_000;

interface Entry {
  id: string;
  expiry: NodeJS.Timeout;
}

export interface WarmPoolStats {
  /** Sandboxes handed out warm, and started cold for want of one. */
  warm: number;
  cold: number;
  /** Warm sandboxes removed unused (idle, no longer wanted, dead, or drained). */
  wasted: number;
}

export class WarmPool {
  /** Names this pool's containers (LABEL_POOL) and their pool names. */
  readonly id = randomUUID().replace(/-/g, '').slice(0, 12);
  private readonly ready = new Map<string, Entry[]>();
  private readonly warming = new Map<string, number>();
  private readonly jobs = new Set<Promise<void>>();
  private closed = false;
  /**
   * The daemon's stream of this pool's containers stopping: while it runs, a warm container that stops is dropped
   * as it happens, so a handover is one rename. Without it (not yet open, or lost) each handover also asks Docker
   * whether the container still runs.
   */
  private watch: Promise<void> | null = null;
  private unwatch: (() => void) | null = null;
  private readonly counts: WarmPoolStats = { warm: 0, cold: 0, wasted: 0 };

  constructor(
    private readonly sandboxes: SandboxManager,
    private readonly removals: RemovalQueue,
    private readonly opts: WarmPoolOptions,
  ) {}

  /**
   * A sandbox for `req`: a warm one if the pool holds one that is still running, else `cold()`'s (the caller's
   * own start, under its own checks).
   */
  async take(req: WarmRequest, cold: () => Promise<string>): Promise<{ id: string; warm: boolean }> {
    for (let entry = this.pop(req.key); entry; entry = this.pop(req.key)) {
      if (await this.claim(entry, req.name)) {
        this.counts.warm++;
        this.refill(req);
        return { id: entry.id, warm: true };
      }
    }
    const id = await cold();
    this.counts.cold++;
    // Warmed after the cold start, not beside it: both would compete for the same daemon and cores.
    this.refill(req);
    return { id, warm: false };
  }

  /**
   * Removes the oldest warm sandbox (of any key) and waits until it is gone; false when the pool holds none. For a
   * host at its cap, where an episode that needs a slot comes before a guess at the next one.
   */
  async evictOne(): Promise<boolean> {
    let oldest: { key: string; entry: Entry } | undefined;
    for (const [key, list] of this.ready) if (list.length > 0 && !oldest) oldest = { key, entry: list[0] };
    if (!oldest) return false;
    this.unlist(oldest.key, oldest.entry);
    clearTimeout(oldest.entry.expiry);
    this.counts.wasted++;
    await this.sandboxes.remove(oldest.entry.id).catch(() => undefined);
    return true;
  }

  stats(): WarmPoolStats & { ready: number; warming: number } {
    return { ...this.counts, ready: this.count(this.ready, (l) => l.length), warming: this.count(this.warming, (n) => n) };
  }

  /** Resolves when no warm start is in flight (for tests and benchmarks that want the pool settled). */
  async settled(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all([...this.jobs]);
  }

  /** Stops warming, waits for warm starts in flight, and removes every sandbox not handed out (within `withinMs`). */
  async drain(withinMs = Infinity): Promise<void> {
    this.closed = true;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const late = withinMs === Infinity ? null : new Promise<void>((r) => (timer = setTimeout(r, withinMs)));
    // A warm start that hangs (a daemon that does not answer) is not waited for past the bound; its container,
    // made after the pool closed, is removed as it arrives, and the sweep catches it otherwise.
    await (late ? Promise.race([Promise.all([this.settled(), this.watch]), late]) : Promise.all([this.settled(), this.watch]));
    clearTimeout(timer);
    this.unwatch?.();
    this.unwatch = null;
    for (const [key, list] of this.ready) for (const entry of [...list]) this.discard(key, entry);
    await this.removals.drain(Math.max(0, withinMs - (performance.now() - started)));
  }

  /**
   * Hands the container over under `name`, if it still runs (a Docker daemon restart stops every warm one). The
   * check and the rename go together, so a warm handover costs one round trip's time.
   */
  private async claim(entry: Entry, name: string): Promise<boolean> {
    clearTimeout(entry.expiry);
    const [running, renamed] = await Promise.all([
      this.unwatch ? true : this.sandboxes.isRunning(entry.id).catch(() => false),
      this.sandboxes.rename(entry.id, name).then(() => true, () => false),
    ]);
    if (running && renamed) return true;
    // Never handed out: removed before the caller starts one under the same name.
    this.counts.wasted++;
    await this.sandboxes.remove(entry.id).catch(() => undefined);
    return false;
  }

  private refill(req: WarmRequest): void {
    if (this.closed) return;
    const want = Math.min(Math.max(0, Math.floor(req.ahead)), this.opts.size);
    const list = this.ready.get(req.key) ?? [];
    // More are warm than will be asked for (the caller's last sandboxes): they go now, not at their idle time.
    while (list.length > want) this.discard(req.key, list[list.length - 1]);
    let have = list.length + (this.warming.get(req.key) ?? 0);
    while (have < want && this.total() < this.opts.size) {
      have++;
      this.warm(req);
    }
  }

  private warm(req: WarmRequest): void {
    this.warming.set(req.key, (this.warming.get(req.key) ?? 0) + 1);
    const job: Promise<void> = (async () => {
      await this.watchStops();
      const slot = this.opts.reserve ? await this.opts.reserve() : null;
      if (slot && !slot.ok) return;
      const labels = { ...req.labels, [LABEL_EPISODE]: '', [LABEL_POOL]: this.id };
      let id: string;
      try {
        id = await req.start(`${POOL_NAME_PREFIX}${this.id}-${randomUUID().slice(0, 8)}`, labels);
      } finally {
        slot?.release();
      }
      if (this.closed) {
        this.counts.wasted++;
        this.removals.later(id);
        return;
      }
      const entry: Entry = { id, expiry: setTimeout(() => this.discard(req.key, entry), this.opts.idleMs) };
      entry.expiry.unref();
      this.ready.set(req.key, [...(this.ready.get(req.key) ?? []), entry]);
    })()
      .catch((error: unknown) => this.opts.onError?.(error))
      .finally(() => {
        const left = (this.warming.get(req.key) ?? 1) - 1;
        if (left > 0) this.warming.set(req.key, left);
        else this.warming.delete(req.key);
        this.jobs.delete(job);
      });
    this.jobs.add(job);
  }

  /** Opens the stream of this pool's containers stopping, once (again after it was lost). */
  private watchStops(): Promise<void> {
    if (this.watch) return this.watch;
    const opened: Promise<void> = (this.watch = this.sandboxes
      .watchStops(
        `${LABEL_POOL}=${this.id}`,
        (id) => {
          for (const [key, list] of this.ready) for (const entry of list) if (entry.id === id) this.discard(key, entry);
        },
        () => {
          // A daemon restart stops every container; whatever is warm may be dead, and none of it is trusted.
          if (this.watch !== opened) return;
          this.unwatch = null;
          this.watch = null;
          for (const [key, list] of this.ready) for (const entry of [...list]) this.discard(key, entry);
        },
      )
      .then(
        (stop) => {
          // The stream may have ended already (onEnd ran first): a dead stream's stop is never installed.
          if (this.closed || this.watch !== opened) stop();
          else this.unwatch = stop;
        },
        () => {
          if (this.watch === opened) this.watch = null;
        },
      ));
    return opened;
  }

  private pop(key: string): Entry | undefined {
    const list = this.ready.get(key);
    const entry = list?.shift();
    if (list && list.length === 0) this.ready.delete(key);
    return entry;
  }

  private unlist(key: string, entry: Entry): boolean {
    const list = this.ready.get(key);
    const at = list?.indexOf(entry) ?? -1;
    if (!list || at < 0) return false;
    list.splice(at, 1);
    if (list.length === 0) this.ready.delete(key);
    return true;
  }

  private discard(key: string, entry: Entry): void {
    if (!this.unlist(key, entry)) return;
    clearTimeout(entry.expiry);
    this.counts.wasted++;
    this.removals.later(entry.id);
  }

  private total(): number {
    return this.count(this.ready, (l) => l.length) + this.count(this.warming, (n) => n);
  }

  private count<V>(map: Map<string, V>, size: (v: V) => number): number {
    let n = 0;
    for (const v of map.values()) n += size(v);
    return n;
  }
}
