// Where the training environment lives (scripts/setup-train.sh makes it) and provisioning it on first use.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, stateDir } from '../config/paths.js';

export interface TrainingEnv {
  python: string;
  /** The folder holding llama.cpp's convert_lora_to_gguf.py (with its conversion/ and gguf-py/). */
  converter: string;
  trainer: string;
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

/** The environment when it is in place and made from today's requirements; undefined otherwise. */
export function findTrainingEnv(): TrainingEnv | undefined {
  const venv = trainingPaths.venv();
  const stamp = join(venv, '.tasksynth-requirements');
  if (!existsSync(stamp)) return undefined;
  const want = createHash('sha256').update(readFileSync(requirementsFile())).digest('hex');
  if (readFileSync(stamp, 'utf8').trim() !== want) return undefined;
  const converters = existsSync(trainingPaths.root())
    ? readdirSync(trainingPaths.root()).filter((d) => d.startsWith('llama-convert-'))
    : [];
  const converter = converters
    .map((d) => join(trainingPaths.root(), d))
    .find((d) => existsSync(join(d, 'convert_lora_to_gguf.py')));
  if (!converter) return undefined;
  return { python: join(venv, 'bin', 'python'), converter, trainer: join(projectRoot(), 'training', 'trainer.py') };
}

/** The environment, provisioned first when missing (a few minutes, once; the output goes to `log`). */
export async function ensureTrainingEnv(log: (line: string) => void = () => undefined): Promise<TrainingEnv> {
  const found = findTrainingEnv();
  if (found) return found;
  const script = join(projectRoot(), 'scripts', 'setup-train.sh');
  log(`provisioning the training environment (${script})`);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(log);
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  const env = code === 0 ? findTrainingEnv() : undefined;
  if (!env) throw new Error(`provisioning the training environment failed (bash ${script} exited ${code}); run it by hand to see why`);
  return env;
}
