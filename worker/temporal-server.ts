// Finds the Temporal service: an existing cluster (TEMPORAL_ADDRESS), a dev server already listening on the
// default port, or a dev server this process starts from the `temporal` CLI with a persistent database.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { statePaths } from '../config/paths.js';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** Web UI base address, when known. */
  uiUrl: string | null;
  /** True when this process started the dev server. */
  started: boolean;
}

const DEV_HOST = '127.0.0.1';
const DEV_PORT = 7233;
const DEV_UI_PORT = 8233;

/** The `temporal` CLI: TEMPORAL_CLI_PATH, then PATH, then the project's cache (where `npm run setup` builds it). */
export function findTemporalCli(): string | null {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const cached = join(statePaths.bin(), 'temporal');
  return existsSync(cached) ? cached : null;
}

export function listening(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function ensureTemporal(log: (line: string) => void = () => undefined): Promise<TemporalTarget> {
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  if (process.env.TEMPORAL_ADDRESS) {
    return { address: process.env.TEMPORAL_ADDRESS, namespace, uiUrl: process.env.TEMPORAL_UI_URL ?? null, started: false };
  }
  const address = `${DEV_HOST}:${DEV_PORT}`;
  const uiUrl = `http://${DEV_HOST}:${DEV_UI_PORT}`;
  if (await listening(DEV_HOST, DEV_PORT)) return { address, namespace, uiUrl, started: false };

  const cli = findTemporalCli();
  if (!cli) {
    throw new Error('no Temporal service: TEMPORAL_ADDRESS is unset, nothing listens on 127.0.0.1:7233 and no `temporal` CLI was found; run `npm run setup`');
  }
  const dbFile = statePaths.temporalDb();
  const logFile = join(statePaths.logs(), 'temporal-dev-server.log');
  mkdirSync(dirname(dbFile), { recursive: true });
  mkdirSync(dirname(logFile), { recursive: true });
  log(`starting the Temporal dev server (${cli}), database ${dbFile}, log ${logFile}`);
  const out = openSync(logFile, 'a');
  // Detached and unreferenced: the dev server outlives this command, so the next run and the Web UI find it.
  const child = spawn(
    cli,
    ['server', 'start-dev', '--ip', DEV_HOST, '--port', String(DEV_PORT), '--ui-port', String(DEV_UI_PORT),
      '--db-filename', dbFile, '--namespace', namespace, '--log-level', 'warn'],
    { detached: true, stdio: ['ignore', out, out] },
  );
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`cannot start the Temporal dev server from ${cli}: ${(spawnError as Error).message}`);
    if (child.exitCode !== null) break;
    if (await listening(DEV_HOST, DEV_PORT)) return { address, namespace, uiUrl, started: true };
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  throw new Error(`the Temporal dev server did not start within 60 s (exit code ${child.exitCode}); log ${logFile}:\n${tail}`);
}

/** Runs a connect call, naming the address and what to do when the service does not answer. */
async function naming<T>(target: TemporalTarget, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    const hint = process.env.TEMPORAL_ADDRESS ? 'check TEMPORAL_ADDRESS' : 'run `npm run setup` or set TEMPORAL_ADDRESS';
    throw new Error(`cannot connect to Temporal at ${target.address}: ${(error as Error).message} (${hint})`);
  }
}

/** The connection a worker polls on. */
export const connectWorker = (target: TemporalTarget): Promise<NativeConnection> =>
  naming(target, () => NativeConnection.connect({ address: target.address }));

/** The connection a client starts and watches workflows on. */
export const connectClient = (target: TemporalTarget): Promise<Connection> =>
  naming(target, () => Connection.connect({ address: target.address, connectTimeout: '10s' }));
