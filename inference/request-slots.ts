// A counting limit on requests in flight whose waiters can be cancelled. Hand-written on purpose: the limiter
// libraries at hand (p-limit and kin) cannot take a waiter out of their queue when its activity is cancelled,
// and a cancelled model call must not hold its place in line.
export class RequestSlots {
  private busy = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`request slots: give a whole number, at least 1 (got ${size})`);
  }

  /** Runs `fn` once a slot is free; a cancelled wait rejects with the signal's reason and takes no slot. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.busy < this.size) {
      this.busy++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `busy` stays as it is.
    if (next) next.grant();
    else this.busy--;
  }
}
