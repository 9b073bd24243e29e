// A training worker alone in its own process, for tests that kill it: `node training-worker.js ADDRESS QUEUE DB`.
// It serves the store's training queue (workflows and training activities) until it is killed.
import { NativeConnection } from '@temporalio/worker';
import { Store } from '../../data/store.js';
import { createTrainingWorker } from '../../worker/training-worker.js';

const [address, taskQueue, database] = process.argv.slice(2);
if (!address || !taskQueue || !database) {
  console.error('usage: training-worker.js TEMPORAL_ADDRESS TASK_QUEUE DATABASE');
  process.exit(2);
}
const store = Store.open(database);
const connection = await NativeConnection.connect({ address });
const worker = await createTrainingWorker(connection, 'default', taskQueue, store);
console.log('training worker running');
await worker.run();
