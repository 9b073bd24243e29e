// Builds (or finds, by content hash) an environment package's image layer and records the environment. Each host
// that later starts one of its sandboxes builds the same content-addressed tag when it lacks it.
import { proxyActivities } from '@temporalio/workflow';
import type { EnvironmentActivities } from '../activities/environment-activities.js';
import type { StoreActivities } from '../activities/store-activities.js';
import type { EnvironmentRef, EnvironmentSpec } from '../schemas/types.js';
import { imageBuild, quick } from './activity-options.js';

const { ensureEnvironmentImage } = proxyActivities<EnvironmentActivities>(imageBuild);

export async function buildEnvironment(environment: EnvironmentRef, storeQueue: string): Promise<EnvironmentSpec> {
  const { recordEnvironment } = proxyActivities<StoreActivities>({ ...quick, taskQueue: storeQueue });
  const env: EnvironmentSpec = { environment, image: await ensureEnvironmentImage(environment) };
  await recordEnvironment(env);
  return env;
}
