// SQLite writes as activities. Every write is keyed by a deterministic id, so a retried activity or a replayed
// episode leaves one copy.
import type { RunConfig } from '../config/run-config.js';
import type { Store } from '../data/store.js';
import type { EnvironmentSpec, EpisodeRecord, TaskResult, TaskSpec } from '../schemas/types.js';
import type { GateOutcome } from '../verification/gates.js';

export function createStoreActivities(store: Store) {
  return {
    async recordRunStart(runId: string, config: RunConfig): Promise<void> {
      store.upsertRun({ id: runId, name: config.name, config });
    },
    async recordEnvironment(env: EnvironmentSpec): Promise<void> {
      store.upsertEnvironment(env);
    },
    async recordTask(runId: string, task: TaskSpec): Promise<void> {
      store.upsertTask(runId, task);
    },
    async recordGates(_runId: string, taskId: string, outcomes: GateOutcome[]): Promise<void> {
      store.saveGates(taskId, outcomes);
    },
    async recordEpisode(episode: EpisodeRecord): Promise<void> {
      store.saveEpisode(episode);
    },
    async recordTaskResult(runId: string, result: TaskResult): Promise<void> {
      store.saveTaskResult(runId, result);
    },
    async recordRunEnd(runId: string, status: 'completed' | 'failed' | 'cancelled'): Promise<void> {
      store.finishRun(runId, status);
    },
  };
}

export type StoreActivities = ReturnType<typeof createStoreActivities>;
