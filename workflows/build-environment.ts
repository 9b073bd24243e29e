// Builds (or finds, by content hash) the family's image layer on a Docker host and records the environment.
import { proxyActivities } from '@temporalio/workflow';
import type { HostQueueActivities } from '../activities/host-queue-activities.js';
import type { SandboxActivities } from '../activities/sandbox-activities.js';
import type { StoreActivities } from '../activities/store-activities.js';
import type { EnvironmentSpec } from '../schemas/types.js';
import { imageBuild, quick } from './activity-options.js';

const { sandboxQueue } = proxyActivities<HostQueueActivities>(quick);

export async function buildEnvironment(family: string, storeQueue: string): Promise<EnvironmentSpec> {
  const { recordEnvironment } = proxyActivities<StoreActivities>({ ...quick, taskQueue: storeQueue });
  const { ensureEnvironmentImage } = proxyActivities<SandboxActivities>({ ...imageBuild, taskQueue: await sandboxQueue() });
  const env: EnvironmentSpec = { family, image: await ensureEnvironmentImage(family) };
  await recordEnvironment(env);
  return env;
}
