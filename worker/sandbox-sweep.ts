// The sweep of leftover sandboxes on this Docker host: containers whose episode (or task) is over are removed,
// and only those, among the containers of this worker's Temporal service. It asks Temporal, not the clock, whether an episode is over, so it never removes a live
// sandbox of another worker on the same host, however old; a container no workflow names (task generation, the
// `envs` commands) counts as left over once it is older than any activity that could still hold it.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type Docker from 'dockerode';
import { episodeId, episodeWorkflowId, taskWorkflowId } from '../core/ids.js';
import { DEFAULT_LIMITS, LABEL_EPISODE, LABEL_MANAGED, LABEL_POOL, LABEL_TASK, LABEL_TEMPORAL, POOL_NAME_PREFIX } from '../sandboxes/profile.js';
import { DEFAULT_WARM_IDLE_MS } from '../sandboxes/warm-pool.js';
import { SandboxManager, sandboxName } from '../sandboxes/sandbox.js';

/** Longer than any activity that holds a container outside an episode (a task's gates: one hour). */
export const ORPHAN_AFTER_MS = 2 * 60 * 60_000;

/** Far longer than a warm pool keeps a sandbox nobody took (it drops one after DEFAULT_WARM_IDLE_MS). */
export const POOL_ORPHAN_AFTER_MS = 10 * DEFAULT_WARM_IDLE_MS;

/** Whether a workflow has ended (or is unknown to Temporal, e.g. past retention); errors propagate. */
export type WorkflowOver = (workflowId: string) => Promise<boolean>;

export function workflowOverIn(client: Client): WorkflowOver {
  return async (workflowId) => {
    try {
      const { status } = await client.workflow.getHandle(workflowId).describe();
      return status.name !== 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return true;
      throw error;
    }
  };
}

export interface SweepReport {
  removed: string[];
  kept: number;
}

/**
 * Sweeps the containers `service`'s workflows own (LABEL_TEMPORAL): removed when their episode or task is over,
 * or, for those no workflow names, when older than `orphanAfterMs`. Containers of other services are not looked at.
 */
export async function sweepSandboxes(
  docker: Docker,
  service: string,
  isOver: WorkflowOver,
  orphanAfterMs = ORPHAN_AFTER_MS,
  poolOrphanAfterMs = POOL_ORPHAN_AFTER_MS,
): Promise<SweepReport> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_TEMPORAL}=${service}`] } });
  const manager = new SandboxManager(docker, DEFAULT_LIMITS);
  const report: SweepReport = { removed: [], kept: 0 };
  const old = (created: number) => created * 1000 < Date.now() - orphanAfterMs;
  for (const c of found) {
    const labels = c.Labels ?? {};
    let over: boolean;
    const name = c.Names?.[0]?.replace(/^\//, '') ?? '';
    // A warm pool's container has no episode label: one not yet handed out is over once older than any pool keeps
    // one; one handed out carries its episode's sandbox name, which names the episode, and is over with it (or with
    // its task, whose child the episode is).
    if (labels[LABEL_POOL] !== undefined) {
      const task = labels[LABEL_TASK];
      const episode = task ? episodeNamed(task, name) : null;
      over = (task ? await isOver(taskWorkflowId(task)) : false) ||
        (episode !== null && (await isOver(episodeWorkflowId(episode)))) ||
        (name.startsWith(POOL_NAME_PREFIX) && c.Created * 1000 < Date.now() - poolOrphanAfterMs);
    } else if (labels[LABEL_EPISODE]) over = await isOver(episodeWorkflowId(labels[LABEL_EPISODE]));
    // A task's gate rollouts: over with the task, or held by no activity attempt that could still be alive.
    else if (labels[LABEL_TASK]) over = (await isOver(taskWorkflowId(labels[LABEL_TASK]))) || old(c.Created);
    else over = old(c.Created);
    if (over) {
      await manager.remove(c.Id);
      report.removed.push(name || c.Id);
    } else {
      report.kept++;
    }
  }
  return report;
}

/** The model episode of `task` whose sandbox name is `name`, if it is one (names end in the episode's index). */
function episodeNamed(task: string, name: string): string | null {
  const index = /-model-(\d+)-[0-9a-f]{8}$/.exec(name)?.[1];
  if (index === undefined) return null;
  const id = episodeId(task, Number(index));
  return sandboxName(id) === name ? id : null;
}
