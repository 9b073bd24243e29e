// Container removal off the caller's path: an episode that is done with its sandbox need not wait the ~50 ms
// Docker takes to kill and delete it. Removals run in the background, by container id (never by name, which a
// later sandbox may take), and the worker drains the queue when it stops, so a clean shutdown leaves nothing.
// A worker killed with removals pending leaves them to the sweep (worker/sandbox-sweep.ts).
import type { SandboxManager } from './sandbox.js';

export class RemovalQueue {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly sandboxes: SandboxManager,
    private readonly onError: (id: string, error: unknown) => void = () => undefined,
  ) {}

  /** Starts removing the container; returns at once. */
  later(id: string): void {
    const job: Promise<void> = this.sandboxes
      .remove(id)
      .catch((error: unknown) => this.onError(id, error))
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** How many removals have not finished. */
  get size(): number {
    return this.pending.size;
  }

  /** Resolves when every removal started so far (and any started meanwhile) has finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
