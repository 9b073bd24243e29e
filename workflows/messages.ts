// Signals and queries shared by the workflows and the CLI that watches them.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export interface RunProgress {
  tasksTotal: number;
  tasksDone: number;
  tasksAccepted: number;
  tasksRejected: number;
  episodesDone: number;
  episodesPassed: number;
  /** Model episodes only: the numerator and denominator of the run's pass rate. */
  modelEpisodesDone: number;
  modelEpisodesPassed: number;
}

export const emptyProgress = (): RunProgress => ({
  tasksTotal: 0,
  tasksDone: 0,
  tasksAccepted: 0,
  tasksRejected: 0,
  episodesDone: 0,
  episodesPassed: 0,
  modelEpisodesDone: 0,
  modelEpisodesPassed: 0,
});

export const progressQuery = defineQuery<RunProgress>('progress');

/** Sent by each finished episode to the run's root workflow, so progress is visible while tasks are in flight. */
export const episodeFinishedSignal = defineSignal<[{ policy: string; passed: boolean }]>('episodeFinished');

/** Sent by a family's workflow to the run's root workflow when one of its tasks is decided. */
export const taskFinishedSignal = defineSignal<[{ family: string; accepted: boolean }]>('taskFinished');
