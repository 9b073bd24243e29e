// Slots under a Docker host's cap of live sandboxes, as one worker process counts them: the daemon's running
// sandboxes plus this process's starts in flight, cold and warm alike. A start reserves its slot before the daemon
// is asked, so two starts in this process cannot both take the last one (workers in other processes on the same
// host may still overshoot by their own starts in flight).
export type SlotAnswer = { ok: true; release: () => void } | { ok: false; live: number };

export class HostSlots {
  private starting = 0;

  constructor(
    /** The host's running sandboxes, by container names. */
    private readonly live: () => Promise<Array<{ Names?: string[] }>>,
    readonly cap: number,
  ) {}

  /**
   * A slot for one start, released when the start has ended (its container then counts among the live ones). A
   * container already named `name` holds the slot it needs: a retried start replaces its own.
   */
  async reserve(name?: string): Promise<SlotAnswer> {
    this.starting++;
    let held = true;
    const release = () => {
      if (held) this.starting--;
      held = false;
    };
    try {
      const live = await this.live();
      if (name !== undefined && live.some((c) => c.Names?.includes(`/${name}`))) return { ok: true, release };
      if (live.length + this.starting <= this.cap) return { ok: true, release };
      release();
      return { ok: false, live: live.length };
    } catch (error) {
      release();
      throw error;
    }
  }
}
