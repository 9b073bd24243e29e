// The worker of a store's training queue: training workflows and their activities. One activity at a time: a
// training job takes every core, and a second one beside it would only slow both.
import { type NativeConnection, Worker } from '@temporalio/worker';
import { createTrainingActivities } from '../activities/training-activities.js';
import type { Store } from '../data/store.js';
import { trainingQueueName } from './queue-names.js';
import { workflowBundleOption } from './workflow-bundle.js';

export function createTrainingWorker(connection: NativeConnection, namespace: string, taskQueue: string, store: Store): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue: trainingQueueName(taskQueue, store.storeId),
    ...workflowBundleOption(),
    activities: createTrainingActivities(store),
    maxConcurrentActivityTaskExecutions: 1,
  });
}
