// The workflow bundle's entry: every workflow type a worker registers.
export { agentEpisode } from './agent-episode.js';
export { buildEnvironment } from './build-environment.js';
export { calibrateTask } from './calibrate-task.js';
export { familyRun } from './family-run.js';
export { scheduledRun } from './scheduled-run.js';
export { synthesisRun } from './synthesis-run.js';
export { modelLoad } from './model-load.js';
export { trainAdapter } from './train-adapter.js';
