// Sandbox activities must run on the worker that owns the Docker host holding the container. Each worker
// listens on its own host queue; a workflow asks this activity (on the shared queue) which one it reached,
// then pins the episode's sandbox activities to that queue.
export function createHostQueueActivities(hostQueue: string) {
  return {
    async sandboxQueue(): Promise<string> {
      return hostQueue;
    },
  };
}

export type HostQueueActivities = ReturnType<typeof createHostQueueActivities>;
