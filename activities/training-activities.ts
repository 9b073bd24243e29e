// The training job's side effects, on the process that owns the store (the data is read from it and the adapter
// registered in it): export the data, run the trainer (long; heartbeats its step and loss), convert the adapter to
// GGUF, register it. Every output lands in the job's own folder, written whole or not at all, so a retried
// activity finds what an earlier attempt finished.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { copyFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { AdapterNameTaken, type AdapterRecord, type TrainingData } from '../data/adapter-registry.js';
import { exportEngineTokens } from '../data/export/engine-tokens.js';
import type { Store } from '../data/store.js';
import { EmbeddedEngine } from '../inference/embedded-engine.js';
import { ensureTrainingEnv, trainingPaths } from '../training/training-env.js';
import { unfitForTraining } from '../training/training-runs.js';
import { convertToGguf, runTrainer, TRAINER_LOCKED, TrainerFailed, type TrainerEvent, type TrainerOptions } from '../training/trainer-process.js';
import { engineFingerprint, modelFileHash } from '../worker/queue-names.js';

export type Hyperparameters = Omit<TrainerOptions, 'base' | 'data' | 'out'>;

export interface TrainingJobInput {
  /** The job's id: its folder, checkpoints and workflow id derive from it. */
  jobId: string;
  /** The adapter's registered name. */
  name: string;
  basePath: string;
  /** Runs whose accepted trajectories to train on (empty: every run of the base model). */
  runs: string[];
  hyperparameters: Hyperparameters;
}

export interface PreparedData extends TrainingData {
  file: string;
}

/** What the trainer heartbeats: the step it reached and its loss, for `describe` and the CLI's progress. */
export interface TrainingHeartbeat {
  step: number;
  totalSteps: number;
  loss: number | null;
  resumedFrom: number | null;
}

export const jobDir = (jobId: string) => join(trainingPaths.jobs(), jobId.replace(/[^A-Za-z0-9._-]/g, '_'));

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function createTrainingActivities(store: Store) {
  return {
    /** The base model's accepted steps as engine tokens, into the job's folder (once: a retry reuses the file). */
    async prepareTrainingData(input: TrainingJobInput): Promise<PreparedData> {
      const dir = jobDir(input.jobId);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'data.engine-tokens.jsonl');
      const summary = join(dir, 'data.json');
      if (existsSync(summary) && existsSync(file)) return JSON.parse(readFileSync(summary, 'utf8')) as PreparedData;
      const model = engineFingerprint({ engine: 'embedded', path: input.basePath });
      if (input.runs.length === 0) throw ApplicationFailure.nonRetryable('a training job names its runs', 'TrainingDataError');
      for (const runId of input.runs) {
        const why = unfitForTraining(store, runId, model);
        if (why) throw ApplicationFailure.nonRetryable(why, 'TrainingDataError');
      }
      // Hours of training for a name another adapter holds would end refused: say so first.
      const taken = store.adapters.get(input.name);
      if (taken) throw ApplicationFailure.nonRetryable(`adapter name "${input.name}" is taken by ${taken.path} (trained ${taken.createdAt})`, 'AdapterNameTaken');
      // Only the tokenizer and chat wrapper are used: the smallest context will do.
      const engine = await EmbeddedEngine.load(input.basePath, { sequences: 1, contextSize: 512, adaptThreads: false });
      let done;
      try {
        done = await exportEngineTokens(store, engine, model, file, { runIds: input.runs, maxTokens: input.hyperparameters.maxTokens });
      } finally {
        await engine.close();
      }
      if (done.lines === 0) {
        throw ApplicationFailure.nonRetryable(
          `no accepted model steps of ${model} to train on in runs ${input.runs.join(', ')} (${done.skippedSteps} steps without output tokens, ${done.tooLong} longer than ${input.hyperparameters.maxTokens} tokens)`,
          'TrainingDataError',
        );
      }
      const prepared: PreparedData = {
        file, runs: done.runs, lines: done.lines, labelTokens: done.labelTokens, taskIds: done.taskIds, sha256: await sha256File(file),
      };
      const tmp = `${summary}.tmp`;
      await writeFile(tmp, JSON.stringify(prepared));
      await rename(tmp, summary);
      return prepared;
    },

    /**
     * Trains in the job's folder, resuming from its newest checkpoint. Heartbeats every few seconds with the step
     * and loss; cancelled (or timed out, or the worker gone), the trainer is killed with it.
     */
    async trainAdapter(input: TrainingJobInput, data: PreparedData): Promise<{ adapterDir: string; baseConfigDir: string; losses: number[]; seconds: number; resumedFrom: number | null }> {
      const ctx = Context.current();
      const state: TrainingHeartbeat = { step: 0, totalSteps: 0, loss: null, resumedFrom: null };
      // From the start: provisioning the training environment on first use takes minutes.
      const beat = setInterval(() => ctx.heartbeat(state), 5000);
      ctx.heartbeat(state);
      try {
        const env = await ensureTrainingEnv((line) => ctx.log.info(line), ctx.cancellationSignal);
        const done = await runTrainer(
          env,
          { ...input.hyperparameters, base: input.basePath, data: data.file, out: join(jobDir(input.jobId), 'train') },
          (e: TrainerEvent) => {
            if (e.event === 'resumed') state.resumedFrom = e.step;
            if (e.event === 'start') state.totalSteps = e.total_steps;
            if (e.event === 'step') Object.assign(state, { step: e.step, loss: e.loss });
            if (e.event === 'step' || e.event === 'resumed' || e.event === 'checkpoint') ctx.heartbeat(state);
            if (e.event === 'checkpoint' || e.event === 'resumed') ctx.log.info(`training ${input.jobId}: ${e.event} at step ${e.step}`);
          },
          ctx.cancellationSignal,
        );
        return { adapterDir: done.adapter, baseConfigDir: done.base_config, losses: done.losses, seconds: done.train_seconds, resumedFrom: state.resumedFrom };
      } catch (error) {
        // Bad data or arguments fail the same way again; a held lock is another writer, which may be ending.
        if (error instanceof TrainerFailed && error.exitCode === 2) throw ApplicationFailure.nonRetryable(error.message, 'TrainingDataError');
        if (error instanceof TrainerFailed && error.exitCode === TRAINER_LOCKED) throw ApplicationFailure.retryable(error.message, 'TrainerLocked');
        throw error;
      } finally {
        clearInterval(beat);
      }
    },

    /** The PEFT adapter as GGUF beside the job (llama.cpp's converter, from the engine's own llama.cpp). */
    async convertAdapter(input: TrainingJobInput, adapterDir: string, baseConfigDir: string): Promise<string> {
      const ctx = Context.current();
      const env = await ensureTrainingEnv((line) => ctx.log.info(line), ctx.cancellationSignal);
      const out = join(jobDir(input.jobId), 'adapter.gguf');
      if (!existsSync(out)) await convertToGguf(env, adapterDir, baseConfigDir, out, ctx.cancellationSignal);
      return out;
    },

    /** Copies the adapter to the state directory's adapters/ (as NAME-<sha256 prefix>.gguf) and records it in the store. */
    async registerAdapter(
      input: TrainingJobInput,
      data: PreparedData,
      trained: { gguf: string; losses: number[]; seconds: number },
    ): Promise<AdapterRecord> {
      const sha256 = modelFileHash(trained.gguf);
      const known = store.adapters.get(input.name);
      if (known && known.sha256 !== sha256) {
        throw ApplicationFailure.nonRetryable(new AdapterNameTaken(`adapter name "${input.name}" is taken by ${known.path} (trained ${known.createdAt}); choose another --name`).message, 'AdapterNameTaken');
      }
      mkdirSync(trainingPaths.adapters(), { recursive: true });
      // Named by content too: two jobs racing for one name can never overwrite each other's weights.
      const path = join(trainingPaths.adapters(), `${input.name}-${sha256.slice(0, 12)}.gguf`);
      if (!existsSync(path) || modelFileHash(path) !== sha256) {
        const tmp = `${path}.${process.pid}.tmp`;
        await copyFile(trained.gguf, tmp);
        await rename(tmp, path);
      }
      const { file: _file, ...selection } = data;
      return store.adapters.register({
        name: input.name, path, sha256, basePath: input.basePath, baseSha256: modelFileHash(input.basePath),
        data: selection, hyperparameters: { ...input.hyperparameters }, losses: trained.losses, seconds: trained.seconds,
      });
    },
  };
}

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
