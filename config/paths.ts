// Where things live. Runtime files (database, caches, models, Temporal's database) never go in the repo:
// they go in the state directory, TASKSYNTH_HOME (default ~/.tasksynth).
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's place (config/ in source, dist/config/ when built). */
export function projectRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.split(/[\\/]/).includes('dist') ? '../..' : '..';
  return resolve(here, up);
}

export function stateDir(): string {
  return resolve(process.env.TASKSYNTH_HOME ?? join(homedir(), '.tasksynth'));
}

export const statePaths = {
  database: () => join(stateDir(), 'data', 'tasksynth.db'),
  models: () => join(stateDir(), 'models'),
  bin: () => join(stateDir(), 'bin'),
  temporalDb: () => join(stateDir(), 'temporal', 'dev-server.db'),
  logs: () => join(stateDir(), 'logs'),
};
