// Runs training/trainer.py and llama.cpp's converter as child processes of this one. The trainer reports progress
// as JSON lines; an abort (the activity cancelled or timed out) kills it, and the kernel kills it when this process
// dies (the trainer asks for PR_SET_PDEATHSIG), so no trainer outlives the worker that started it.
import { spawn } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import type { TrainingEnv } from './training-env.js';

export interface TrainerOptions {
  base: string;
  data: string;
  out: string;
  epochs: number;
  maxSteps: number;
  lr: number;
  rank: number;
  alpha: number;
  gradAccum: number;
  maxTokens: number;
  saveEvery: number;
  seed: number;
  threads: number;
}

export type TrainerEvent =
  | { event: 'loaded'; seconds: number; examples: number; too_long: number }
  | { event: 'resumed'; step: number; checkpoint: string }
  | { event: 'start'; total_steps: number; steps_per_epoch: number; examples: number; label_tokens: number }
  | { event: 'step'; step: number; total_steps: number; epoch: number; loss: number; tokens: number; seconds: number }
  | { event: 'checkpoint'; step: number; path: string }
  | { event: 'done'; steps: number; adapter: string; base_config: string; losses: number[]; train_seconds: number };

export type TrainerDone = Extract<TrainerEvent, { event: 'done' }>;

/** Exit status the trainer gives when another process writes its output directory. */
export const TRAINER_LOCKED = 3;

export class TrainerFailed extends Error {
  constructor(message: string, readonly exitCode: number | null) {
    super(message);
  }
}

function trainerArgs(o: TrainerOptions): string[] {
  return [
    '--base', o.base, '--data', o.data, '--out', o.out, '--epochs', String(o.epochs), '--max-steps', String(o.maxSteps),
    '--lr', String(o.lr), '--rank', String(o.rank), '--alpha', String(o.alpha), '--grad-accum', String(o.gradAccum),
    '--max-tokens', String(o.maxTokens), '--save-every', String(o.saveEvery), '--seed', String(o.seed),
    '--threads', String(o.threads),
  ];
}

/** Runs a Python script of the training environment; each stdout line goes to `onLine`. */
function runPython(
  env: TrainingEnv,
  args: string[],
  what: string,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = spawn(env.python, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TASKSYNTH_PARENT_PID: String(process.pid), PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' },
    });
    let stderr = '';
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      lines.filter((l) => l.trim()).forEach(onLine);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000); // the tail names the error; tracebacks end there
    });
    const kill = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (error) => reject(new TrainerFailed(`${what}: could not start ${env.python}: ${error.message}`, null)));
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', kill);
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolve();
      const tail = stderr.trim().split('\n').slice(-6).join('\n');
      reject(new TrainerFailed(`${what} exited ${code ?? sig}: ${tail || '(no error output)'}`, code));
    });
  });
}

/** Trains (or resumes) into `o.out`; every progress event goes to `onEvent`. */
export async function runTrainer(
  env: TrainingEnv,
  o: TrainerOptions,
  onEvent: (e: TrainerEvent) => void,
  signal?: AbortSignal,
): Promise<TrainerDone> {
  let done: TrainerDone | undefined;
  await runPython(env, [env.trainer, ...trainerArgs(o)], 'the trainer', (line) => {
    let event: TrainerEvent;
    try {
      event = JSON.parse(line) as TrainerEvent;
    } catch {
      return; // a library's stray print, not an event
    }
    if (event.event === 'done') done = event;
    onEvent(event);
  }, signal);
  if (!done) throw new TrainerFailed('the trainer ended without its "done" event', 0);
  return done;
}

/** Converts a PEFT LoRA folder to a GGUF adapter at `outFile`, written whole or not at all. */
export async function convertToGguf(
  env: TrainingEnv,
  adapterDir: string,
  baseConfigDir: string,
  outFile: string,
  signal?: AbortSignal,
): Promise<void> {
  const tmp = `${outFile}.${process.pid}.tmp`;
  try {
    await runPython(env, [
      env.withParent, `${env.converter}/convert_lora_to_gguf.py`, '--base', baseConfigDir, '--outtype', 'f32', '--outfile', tmp, adapterDir,
    ], 'the LoRA-to-GGUF converter', () => undefined, signal);
    await rename(tmp, outFile);
  } finally {
    await rm(tmp, { force: true });
  }
}
