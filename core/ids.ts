// Every id format in one place: tasks, episodes, and the workflow ids derived from them. Pure string functions,
// so workflows, activities, the client and the CLI all import the same ones. (A run's id itself is a content
// hash, made by client/run-id.ts; seeds come from core/seed.ts.)

/** A task: its run (scope), environment, tier, seed and index. */
export const taskId = (scope: string, env: string, tier: number, seed: number, index: number) =>
  `${scope}/${env}/t${tier}/s${seed}/${index}`;

/** A model episode of a task (the gates' rollouts are not episodes). */
export const episodeId = (taskId: string, index: number) => `${taskId}/model/${index}`;

export const runWorkflowId = (runId: string) => `synthesis/${runId}`;
/** A schedule's firing: its run id names the schedule and the (UTC, second-precision) time it fired. */
export const scheduledRunId = (schedule: string, firedAt: string) => `${schedule}-${firedAt.replace(/[-:]/g, '')}`;
/** The prefix of a schedule's firing workflows; Temporal appends each fire time to it. */
export const scheduleWorkflowIdPrefix = (schedule: string) => `schedule/${schedule}`;
export const environmentWorkflowId = (runWorkflowId: string, family: string) => `${runWorkflowId}/environment/${family}`;
export const familyWorkflowId = (runWorkflowId: string, family: string) => `${runWorkflowId}/family/${family}`;
/** Where every workflow of a run starts its id: the run and its children, its tasks, its episodes. */
export const runWorkflowIdPrefixes = (runId: string) => [`${runWorkflowId(runId)}/`, `task/${runId}/`, `episode/${runId}/`];
export const taskWorkflowId = (taskId: string) => `task/${taskId}`;
export const episodeWorkflowId = (episodeId: string) => `episode/${episodeId}`;
