// Where the training environment lives (scripts/setup-train.sh makes it) and provisioning it on first use.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, stateDir } from '../config/paths.js';

export interface TrainingEnv {
  python: string;
  /** The folder holding llama.cpp's convert_lora_to_gguf.py (with its conversion/ and gguf-py/). */
  converter: string;
  trainer: string;
  /** Runs a Python script so that it dies with this process (training/run_with_parent.py). */
  withParent: string;
}

export const trainingPaths = {
  root: () => join(stateDir(), 'training'),
  venv: () => join(stateDir(), 'training', 'venv'),
  /** One folder per training job: checkpoints, the trainer's data file and outputs. */
  jobs: () => join(stateDir(), 'training', 'jobs'),
  /** Registered adapters, one GGUF file each. */
  adapters: () => join(stateDir(), 'adapters'),
};

const requirementsFile = () => join(projectRoot(), 'training', 'requirements.txt');

/** The llama.cpp commit node-llama-cpp was built from: the first head of its git bundle ("# v2 git bundle" header). */
export function bundledLlamaCommit(): string {
  const bundle = join(projectRoot(), 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
  const fd = openSync(bundle, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, head.length, 0);
    const commit = /^#[^\n]*\n(?:@[^\n]*\n)*-?([0-9a-f]{40}) /.exec(head.subarray(0, n).toString('latin1'))?.[1];
    if (!commit) throw new Error(`${bundle} does not start like a git bundle`);
    return commit;
  } finally {
    closeSync(fd);
  }
}

/** The environment when it is in place and made from today's requirements and today's llama.cpp; undefined otherwise. */
export function findTrainingEnv(): TrainingEnv | undefined {
  const venv = trainingPaths.venv();
  const stamp = join(venv, '.tasksynth-requirements');
  if (!existsSync(stamp)) return undefined;
  const want = createHash('sha256').update(readFileSync(requirementsFile())).digest('hex');
  if (readFileSync(stamp, 'utf8').trim() !== want) return undefined;
  // The converter of the llama.cpp the engine runs: an adapter converted by another may not load, or load wrong.
  const converter = join(trainingPaths.root(), `llama-convert-${bundledLlamaCommit().slice(0, 12)}`);
  if (!existsSync(join(converter, 'convert_lora_to_gguf.py'))) return undefined;
  return {
    python: join(venv, 'bin', 'python'), converter,
    trainer: join(projectRoot(), 'training', 'trainer.py'), withParent: join(projectRoot(), 'training', 'run_with_parent.py'),
  };
}

/** The environment, provisioned first when missing (a few minutes, once; the output goes to `log`). */
export async function ensureTrainingEnv(log: (line: string) => void = () => undefined, signal?: AbortSignal): Promise<TrainingEnv> {
  const found = findTrainingEnv();
  if (found) return found;
  const script = join(projectRoot(), 'scripts', 'setup-train.sh');
  log(`provisioning the training environment (${script})`);
  const code = await new Promise<number>((resolve, reject) => {
    // Its own process group, so an abort stops pip too; the script's flock is released with it.
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const relay = (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(log);
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    signal?.addEventListener('abort', stop, { once: true });
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', reject);
    child.on('close', (c) => {
      signal?.removeEventListener('abort', stop);
      if (signal?.aborted) reject(signal.reason);
      else resolve(c ?? 1);
    });
  });
  const env = code === 0 ? findTrainingEnv() : undefined;
  if (!env) throw new Error(`provisioning the training environment failed (bash ${script} exited ${code}); run it by hand to see why`);
  return env;
}
