// A task's fingerprint taken where the agent would start: a sandbox set up as for an episode, its /work read back
// and hashed with the prompt and tools (data/dedup/fingerprint.ts). Shared by the run's activity and `envs check`.
import { fingerprintTask, type TaskFingerprint } from '../data/dedup/fingerprint.js';
import type { SandboxManager } from '../sandboxes/sandbox.js';
import { SandboxError } from '../sandboxes/sandbox.js';
import type { TaskSpec } from '../schemas/types.js';
import type { EnvironmentPackage } from './package.js';
import { startTaskSandbox } from './task-sandbox.js';

export async function taskFingerprint(
  sandboxes: SandboxManager,
  pkg: EnvironmentPackage,
  image: string,
  task: TaskSpec,
  labels: Record<string, string>,
): Promise<TaskFingerprint> {
  const id = await startTaskSandbox(sandboxes, pkg, image, task, labels);
  try {
    const archive = await sandboxes.archiveWork(id);
    if (!archive) throw new SandboxError(`the initial state of task ${task.id} could not be read back for its fingerprint`);
    return await fingerprintTask(task, archive);
  } finally {
    await sandboxes.remove(id);
  }
}
