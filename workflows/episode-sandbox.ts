// An episode's sandbox as the workflow sees it: pinned to the Docker host that holds the container, and moved when
// that host or container is lost. Every sandbox call waits at most SANDBOX_SCHEDULE_TO_START for its host to take
// it (sandbox.hostWaitSeconds); a host that does not (its worker is gone) or a container that is gone (removed, or stopped by a Docker
// daemon restart) moves the episode to a live host: a fresh sandbox, the recorded tool calls replayed into it (no
// model call is repeated), each replayed result compared with the recorded one. When one differs, the episode
// must start over (EpisodeRestart) and the new sandbox's input says why, so the history does too.
import { ActivityCancellationType, ActivityFailure, ApplicationFailure, CancellationScope, patched, proxyActivities, sleep, TimeoutFailure } from '@temporalio/workflow';
import type { HostQueueActivities } from '../activities/host-queue-activities.js';
import type { SandboxActivities, SandboxUpInput } from '../activities/sandbox-activities.js';
import type { StepRecord, ToolCall, ToolResult } from '../schemas/types.js';
import type { ProbeReading } from '../environments/task-sandbox.js';
import { probeCall, quick, sandboxCall } from './activity-options.js';

/** How long a sandbox call may wait for its host's worker before the host counts as lost (config: sandbox.hostWaitSeconds). */
export const SANDBOX_SCHEDULE_TO_START = '2 minutes';
/** Moves per episode before it gives up (a failure that follows it everywhere is not a lost host). */
const MAX_MOVES = 4;
/** Same as activities/sandbox-activities.ts SANDBOX_GONE and HOST_FULL (a workflow must not import activity code). */
const SANDBOX_GONE = 'SandboxGone';
const HOST_FULL = 'HostFull';
/** How long an episode first waits before asking again for a slot on a full host (doubling each time). */
const HOST_FULL_WAIT_MS = 5_000;

const { sandboxQueue } = proxyActivities<HostQueueActivities>(quick);

/** The episode must start over in a fresh sandbox: replaying its calls did not reproduce what the model saw. */
export class EpisodeRestart extends Error {
  override readonly name = 'EpisodeRestart';
}

/** A sandbox call failed because its host or container is gone (not because of what the agent did). */
export function isSandboxLost(error: unknown): boolean {
  if (!(error instanceof ActivityFailure)) return false;
  const cause = error.cause;
  if (cause instanceof TimeoutFailure) return cause.timeoutType === 'SCHEDULE_TO_START';
  return cause instanceof ApplicationFailure && cause.type === SANDBOX_GONE;
}

/** Replayed results must match exactly what the model was shown. */
const sameResult = (a: ToolResult, b: ToolResult) => a.exitCode === b.exitCode && a.output === b.output && a.truncated === b.truncated;

export class EpisodeSandbox {
  private host = '';
  private containerId = '';
  private moves = 0;
  /** Every host a sandbox of this episode was started on, and those found gone (not waited for again). */
  private readonly hostsUsed = new Set<string>();
  private readonly deadHosts = new Set<string>();

  private constructor(private readonly up: Omit<SandboxUpInput, 'replaces'>) {}

  /**
   * Places the sandbox on whichever host's worker answers first. A start that is cancelled or fails midway leaves
   * nothing: the start is waited for, then its container is removed by name.
   */
  static async open(up: Omit<SandboxUpInput, 'replaces'>): Promise<EpisodeSandbox> {
    const box = new EpisodeSandbox(up);
    try {
      await box.place(null);
    } catch (error) {
      if (box.host) {
        await CancellationScope.nonCancellable(() => box.activities().sandboxDiscard(up.id)).catch((e: unknown) => {
          if (!isSandboxLost(e)) throw e;
        });
      }
      throw error;
    }
    return box;
  }

  private activities(host = this.host) {
    const { timeoutMs } = this.up.limits;
    const bound = { taskQueue: host, scheduleToStartTimeout: this.up.limits.hostWaitMs ?? SANDBOX_SCHEDULE_TO_START };
    // Proxies have no own keys to spread: name each activity.
    const { toolStep, sandboxDown, sandboxDiscard } = proxyActivities<SandboxActivities>({ ...sandboxCall(timeoutMs), ...bound });
    const { probeState } = proxyActivities<SandboxActivities>({ ...probeCall(timeoutMs), ...bound });
    // A cancelled start is waited for, so the container it makes exists before it is discarded.
    const { sandboxUp } = proxyActivities<SandboxActivities>({
      ...sandboxCall(timeoutMs), ...bound, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
    return { sandboxUp, toolStep, sandboxDown, sandboxDiscard, probeState };
  }

  /**
   * A fresh sandbox (a container of the same name on the same host is replaced): on a host that answers, or on the
   * current one (a restart after a replay, whose host just worked).
   */
  private async place(replaces: string | null, sameHost = false): Promise<void> {
    let waits = 0;
    for (;;) {
      if (!sameHost) this.host = await sandboxQueue();
      this.hostsUsed.add(this.host);
      try {
        this.containerId = await this.activities().sandboxUp({ ...this.up, ...(replaces ? { replaces } : {}) });
        return;
      } catch (error) {
        const full = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === HOST_FULL;
        if (!full) throw error;
        // The host holds its cap of live sandboxes: wait for a slot (a durable timer, longer each time up to a
        // minute, so a long wait stays a short history), here or on another host.
        await sleep(Math.min(HOST_FULL_WAIT_MS * 2 ** waits++, 60_000));
        sameHost = false;
      }
    }
  }

  /**
   * Runs one sandbox call; if the host or container is lost, moves the episode and replays `steps` (its tool calls
   * so far) into the new sandbox before trying the call again there.
   */
  private async onSandbox<T>(steps: StepRecord[], call: (a: ReturnType<EpisodeSandbox['activities']>, containerId: string) => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await call(this.activities(), this.containerId);
      } catch (error) {
        if (!isSandboxLost(error)) throw error;
        // A host that does not answer is not waited for again; one that lost the container gets its remains
        // removed when the episode closes (or sooner: a new start there replaces it by name).
        if ((error as ActivityFailure).cause instanceof TimeoutFailure) this.deadHosts.add(this.host);
        await this.move(steps, (error as ActivityFailure).cause?.message ?? 'sandbox lost');
      }
    }
  }

  private async move(steps: StepRecord[], why: string): Promise<void> {
    if (++this.moves > MAX_MOVES) {
      throw ApplicationFailure.nonRetryable(`the episode's sandbox was lost ${MAX_MOVES} times; the last: ${why}`, 'SandboxLost');
    }
    await this.placeOrMove(steps, `moved after the sandbox was lost (${why}); replaying ${steps.filter((s) => s.result).length} recorded tool calls`);
  }

  private async placeOrMove(steps: StepRecord[], replaces: string): Promise<void> {
    try {
      await this.place(replaces);
    } catch (error) {
      if (!isSandboxLost(error)) throw error;
      if ((error as ActivityFailure).cause instanceof TimeoutFailure) this.deadHosts.add(this.host);
      return this.move(steps, `while starting a new one: ${(error as ActivityFailure).cause?.message}`);
    }
    for (const step of steps) {
      if (!step.result) continue; // submit: nothing ran in the sandbox
      let again: ToolResult;
      try {
        again = await this.activities().toolStep(this.containerId, this.up.task, step.toolCall, this.up.limits);
      } catch (error) {
        if (!isSandboxLost(error)) throw error;
        if ((error as ActivityFailure).cause instanceof TimeoutFailure) this.deadHosts.add(this.host);
        return this.move(steps, `while replaying: ${(error as ActivityFailure).cause?.message}`);
      }
      if (!sameResult(again, step.result)) {
        const why = `replayed call ${step.index} (${step.toolCall.name}) gave another result than recorded ` +
          `(exit ${step.result.exitCode} -> ${again.exitCode}); the episode starts over`;
        await this.place(why, true);
        throw new EpisodeRestart(why);
      }
    }
  }

  /** One tool call; `steps` are the episode's calls so far, replayed if the sandbox must move first. */
  tool(call: ToolCall, steps: StepRecord[]): Promise<ToolResult> {
    return this.onSandbox(steps, (a, id) => a.toolStep(id, this.up.task, call, this.up.limits));
  }

  /** Reads the final state (after the same move-and-replay, if the sandbox is lost). */
  probe(steps: StepRecord[]): Promise<ProbeReading> {
    return this.onSandbox(steps, (a, id) => a.probeState(id, this.up.task, this.up.limits));
  }

  /**
   * Removes the sandbox, by its name, on every host the episode started one on (a move or restart whose start was
   * cancelled or lost leaves nothing either), at once. A host found gone is not asked, and one that does not take
   * the call in time is not waited for: the sweep there removes the container once this episode is over.
   */
  async close(): Promise<void> {
    const ignoreLost = (error: unknown) => {
      if (!isSandboxLost(error)) throw error;
    };
    // Histories recorded before removal by name replay with the single removal they made.
    if (!patched('sandbox-close-by-name')) {
      await this.activities().sandboxDown(this.containerId).catch(ignoreLost);
      return;
    }
    const hosts = [...this.hostsUsed].filter((h) => !this.deadHosts.has(h));
    await Promise.all(hosts.map((h) => this.activities(h).sandboxDiscard(this.up.id).catch(ignoreLost)));
  }
}
