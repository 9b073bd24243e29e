// The queues a run's activities go to besides the run's own task queue (see worker/queue-names.ts).
export interface RunQueues {
  /** Model calls: only workers that loaded the run's model poll it, so one run never mixes models. */
  model: string;
  /** Store writes: the process that owns the run's SQLite database. */
  store: string;
}
