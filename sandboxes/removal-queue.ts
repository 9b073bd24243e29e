// Container removal off the caller's path: an episode that is done with its sandbox need not wait the ~50 ms
// Docker takes to kill and delete it. Removals run in the background, by container id (never by name, which a
// later sandbox may take), and the worker drains the queue when it stops, so a clean shutdown leaves nothing.
// A worker killed with removals pending leaves them to the sweep (worker/sandbox-sweep.ts).
import type { SandboxManager } from './sandbox.js';

/** Attempts per removal: about 15 s of waits in all, enough to ride out a Docker daemon restart. */
const REMOVE_ATTEMPTS = 5;

export class RemovalQueue {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly sandboxes: SandboxManager,
    private readonly onError: (id: string, error: unknown) => void = () => undefined,
  ) {}

  /** Starts removing the container; returns at once. A failed removal is tried again (a daemon restarting). */
  later(id: string): void {
    const job: Promise<void> = this.removeWithRetries(id)
      .catch((error: unknown) => this.onError(id, error))
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  private async removeWithRetries(id: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sandboxes.remove(id);
      } catch (error) {
        if (attempt >= REMOVE_ATTEMPTS) throw error;
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  }

  /** How many removals have not finished. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Resolves when every removal started so far (and any started meanwhile) has finished, or once `withinMs` has
   * passed (a daemon that hangs must not hold a worker's shutdown forever; the sweep removes what is left).
   */
  async drain(withinMs = Infinity): Promise<void> {
    const deadline = performance.now() + withinMs;
    while (this.pending.size > 0 && performance.now() < deadline) {
      const all = Promise.all([...this.pending]);
      if (withinMs === Infinity) await all;
      else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([all, new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - performance.now()))))]);
        clearTimeout(timer);
      }
    }
  }
}
