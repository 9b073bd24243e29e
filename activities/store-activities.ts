// SQLite writes as activities. Every write is keyed by a deterministic id, so a retried activity or a replayed
// episode leaves one copy.
import { join } from 'node:path';
import type { AcceptanceBand } from '../calibration/acceptance.js';
import { renderSummary } from '../cli/summary-table.js';
import type { RunConfig } from '../config/run-config.js';
import { exportOpenAIChat } from '../data/export/openai-chat.js';
import { ApplicationFailure } from '@temporalio/common';
import { runIdentity } from '../client/run-id.js';
import { RunIdentityConflict, type Store } from '../data/store.js';
import type { EnvironmentSpec, EpisodeRecord, TaskResult, TaskSpec } from '../schemas/types.js';
import type { GateOutcome } from '../verification/gates.js';
import { EvaluationIndex } from '../data/dedup/decontamination.js';
import type { TaskFingerprint } from '../data/dedup/fingerprint.js';
import type { Screening } from '../data/dedup/screening-table.js';

export interface ScreenTaskInput {
  runId: string;
  task: TaskSpec;
  fingerprint: TaskFingerprint;
  dedup: RunConfig['dedup'];
  decontamination: RunConfig['decontamination'];
  /** The run is an evaluation: its tasks are held out (see ScreeningRequest.heldOut). */
  heldOut?: boolean;
}

export function createStoreActivities(store: Store) {
  // Evaluation sets indexed once per process and set of files (the files live where the store does).
  const evaluationIndexes = new Map<string, EvaluationIndex>();
  const evaluationIndex = (d: RunConfig['decontamination']) => {
    const key = JSON.stringify(d);
    let index = evaluationIndexes.get(key);
    if (!index) {
      index = EvaluationIndex.load(d.files, d.ngram);
      evaluationIndexes.set(key, index);
    }
    return index;
  };

  return {
    /** Decontamination and dedup against the whole store, before any rollout; the verdict is recorded once. */
    async screenTask(input: ScreenTaskInput): Promise<Screening> {
      const contamination = input.decontamination.files.length > 0 ? evaluationIndex(input.decontamination).overlap(input.task.prompt) : null;
      return store.screenings.screen({
        runId: input.runId,
        taskId: input.task.id,
        family: input.task.family,
        fingerprint: input.fingerprint,
        contamination,
        exact: input.dedup.exact,
        nearThreshold: input.dedup.near ? input.dedup.nearThreshold : null,
        heldOut: input.heldOut === true,
      });
    },
    /** Records the run; an id already used for another config, model or package fails the run (not retried). */
    async recordRunStart(runId: string, config: RunConfig, what?: { model?: string; environmentHashes: string[] }): Promise<void> {
      const identity = what?.model ? { identity: runIdentity(config, what.model, what.environmentHashes), model: what.model } : {};
      try {
        store.upsertRun({ id: runId, name: config.name, config, ...identity });
      } catch (error) {
        if (error instanceof RunIdentityConflict) throw ApplicationFailure.nonRetryable(error.message, 'RunIdentityConflict');
        throw error;
      }
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
    /** The run's closing tables as plain text (a scheduled firing keeps them in its result). */
    async summarizeRun(runId: string, band: AcceptanceBand, k: number): Promise<string> {
      return renderSummary(store, runId, band, k, { color: false });
    },
    /** The run's accepted trajectories as `DIR/RUN.openai-chat.jsonl`, written atomically (a retry rewrites it whole). */
    async exportRun(runId: string, dir: string): Promise<{ file: string; lines: number }> {
      return exportOpenAIChat(store, join(dir, `${runId}.openai-chat.jsonl`), { runId });
    },
  };
}

export type StoreActivities = ReturnType<typeof createStoreActivities>;
