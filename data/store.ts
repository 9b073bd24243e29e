// SQLite persistence for runs, tasks, episodes and verdicts. Every write is keyed by a deterministic id
// and is an upsert, so a retried workflow activity can repeat any write without duplicating rows.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { GateOutcome } from '../verification/gates.js';
import type {
  ChatMessage,
  EnvironmentSpec,
  EpisodeRecord,
  Outcome,
  Policy,
  StepRecord,
  TaskResult,
  TaskSpec,
  Verdict,
} from '../schemas/types.js';
import { migrate } from './migrations.js';
import { ScreeningTable } from './dedup/screening-table.js';
import { AdapterRegistry } from './adapter-registry.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';
export type TaskStatus = 'pending' | 'rejected' | 'accepted';

export interface RunRow {
  id: string;
  name: string;
  config: unknown;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  /** A hash of the config, model and environment packages the run id was first used for (null before it was kept). */
  identity: string | null;
  /** The model that answered (its engine fingerprint). */
  model: string | null;
}

/** What a run id stands for; the store refuses the id for anything else. */
export interface RunIdentity {
  identity: string;
  model: string;
}

/** A run id already used for another config, model or environment package. */
export class RunIdentityConflict extends Error {
  override readonly name = 'RunIdentityConflict';
}

export interface TaskRow {
  id: string;
  runId: string;
  family: string;
  tier: number;
  seed: number;
  index: number;
  status: TaskStatus;
  passRate: number | null;
  reason: string | null;
  spec: TaskSpec;
}

export interface RunSummary {
  runId: string;
  tasks: number;
  accepted: number;
  rejected: number;
  pending: number;
  /**
   * Model episodes and how many passed: they measure the model. Reference and null episodes pass or fail by
   * construction, so they are only in byPolicy.
   */
  episodes: number;
  passed: number;
  /** passed / episodes; null without model episodes. */
  passRate: number | null;
  byPolicy: Record<Policy, { episodes: number; passed: number }>;
}

export interface Trajectory {
  task: TaskSpec;
  episode: EpisodeRecord;
}

interface EpisodeDbRow {
  id: string;
  run_id: string;
  task_id: string;
  policy: Policy;
  idx: number;
  messages_json: string;
  outcome_json: string;
  passed: number;
  errors_json: string | null;
}

interface StepDbRow {
  episode_id: string;
  idx: number;
  tool_name: string;
  arguments_json: string;
  result_json: string | null;
  raw: string | null;
  output_tokens: string | null;
}

const EPISODE_COLUMNS = `e.id, e.run_id, e.task_id, e.policy, e.idx, e.messages_json, e.outcome_json, e.passed,
  v.errors_json`;

/** Throws RunIdentityConflict when `run` was recorded for another identity than `wanted`. */
export function checkRunIdentity(run: RunRow, wanted: { identity: string; model: string | null }): void {
  if (!run.identity || run.identity === wanted.identity) return;
  const what = run.model && wanted.model && run.model !== wanted.model
    ? `model ${run.model}, not ${wanted.model}`
    : 'another config or environment package';
  throw new RunIdentityConflict(
    `run id ${run.id} already names a run with ${what} (identity ${run.identity.slice(0, 12)}, this one ${wanted.identity.slice(0, 12)}); ` +
      'a new run needs a new id: change the config\'s name or pass another --run-id',
  );
}

export function environmentId(family: string, image: string): string {
  return `${family}+${image}`;
}

// Prepared once per connection; every method reuses them.
function prepareStatements(db: Database.Database) {
  return {
    upsertRun: db.prepare(`INSERT INTO runs (id, name, config_json, status, started_at, identity, model)
      VALUES (@id, @name, @config, 'running', @now, @identity, @model)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, config_json = excluded.config_json,
        status = 'running', finished_at = NULL,
        identity = coalesce(excluded.identity, runs.identity), model = coalesce(excluded.model, runs.model)`),
    storeId: db.prepare("SELECT value FROM store_meta WHERE key = 'store_id'"),
    finishRun: db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?'),
    getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
    upsertEnvironment: db.prepare(`INSERT INTO environments (id, family, image, created_at, version, package_hash)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
    deleteGates: db.prepare('DELETE FROM gates WHERE task_id = ?'),
    insertGate: db.prepare(`INSERT INTO gates (task_id, name, gate, must_pass, passed, detail, steps)
      VALUES (@taskId, @name, @gate, @mustPass, @passed, @detail, @steps)`),
    listGates: db.prepare('SELECT * FROM gates WHERE task_id = ? ORDER BY rowid'),
    // A task re-upserted unchanged keeps its result; one that moved run or changed spec starts over.
    upsertTask: db.prepare(`INSERT INTO tasks (id, run_id, family, tier, seed, idx, spec_json, environment_hash)
      VALUES (@id, @runId, @family, @tier, @seed, @idx, @spec, @environmentHash)
      ON CONFLICT (id) DO UPDATE SET
        status    = CASE WHEN tasks.run_id = excluded.run_id AND tasks.spec_json = excluded.spec_json
                         THEN tasks.status ELSE 'pending' END,
        pass_rate = CASE WHEN tasks.run_id = excluded.run_id AND tasks.spec_json = excluded.spec_json
                         THEN tasks.pass_rate ELSE NULL END,
        reason    = CASE WHEN tasks.run_id = excluded.run_id AND tasks.spec_json = excluded.spec_json
                         THEN tasks.reason ELSE NULL END,
        run_id = excluded.run_id, family = excluded.family, tier = excluded.tier, seed = excluded.seed,
        idx = excluded.idx, spec_json = excluded.spec_json, environment_hash = excluded.environment_hash`),
    saveTaskResult: db.prepare(
      'UPDATE tasks SET status = @status, pass_rate = @passRate, reason = @reason WHERE id = @id AND run_id = @runId',
    ),
    upsertEpisode: db.prepare(`INSERT INTO episodes
        (id, run_id, task_id, policy, idx, messages_json, outcome_json, passed, created_at)
      VALUES (@id, @runId, @taskId, @policy, @idx, @messages, @outcome, @passed, @now)
      ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, task_id = excluded.task_id,
        policy = excluded.policy, idx = excluded.idx, messages_json = excluded.messages_json,
        outcome_json = excluded.outcome_json, passed = excluded.passed`),
    deleteSteps: db.prepare('DELETE FROM steps WHERE episode_id = ?'),
    insertStep: db.prepare(`INSERT INTO steps (episode_id, idx, tool_name, arguments_json, result_json, raw, output_tokens)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    upsertVerdict: db.prepare(`INSERT INTO verdicts (episode_id, passed, errors_json) VALUES (?, ?, ?)
      ON CONFLICT (episode_id) DO UPDATE SET passed = excluded.passed, errors_json = excluded.errors_json`),
    listTasks: db.prepare('SELECT * FROM tasks WHERE run_id = ? ORDER BY family, tier, seed, idx, id'),
    taskPlace: db.prepare('SELECT family, tier FROM tasks WHERE id = ?'),
    finishedSynthesisRuns: db.prepare(`SELECT id FROM runs WHERE model = ? AND status = 'completed'
      AND json_extract(config_json, '$.purpose') IS NOT 'evaluation' ORDER BY started_at, id`),
    synthesisSeeds: db.prepare(`SELECT DISTINCT t.seed FROM tasks t JOIN runs r ON r.id = t.run_id
      WHERE t.family = ? AND json_extract(r.config_json, '$.purpose') IS NOT 'evaluation' ORDER BY t.seed`),
    listEpisodes: db.prepare(`SELECT ${EPISODE_COLUMNS} FROM episodes e
      LEFT JOIN verdicts v ON v.episode_id = e.id WHERE e.task_id = ? ORDER BY e.policy, e.idx`),
    stepsOf: db.prepare('SELECT * FROM steps WHERE episode_id = ? ORDER BY idx'),
    countEpisodes: db.prepare('SELECT count(*) AS n FROM episodes WHERE run_id = ?'),
    accepted: db.prepare(`SELECT ${EPISODE_COLUMNS}, t.spec_json FROM episodes e
      JOIN tasks t ON t.id = e.task_id
      LEFT JOIN verdicts v ON v.episode_id = e.id
      JOIN runs r ON r.id = e.run_id
      WHERE t.status = 'accepted' AND e.policy = 'model' AND e.passed = 1
        AND (@runId IS NULL OR e.run_id = @runId)
        AND json_extract(r.config_json, '$.purpose') IS NOT 'evaluation'
      ORDER BY e.run_id, t.family, t.tier, t.seed, t.idx, e.idx`),
    modelEpisodeCounts: db.prepare(`SELECT task_id, count(*) AS n, sum(passed) AS passed FROM episodes
      WHERE run_id = ? AND policy = 'model' GROUP BY task_id`),
    taskCounts: db.prepare('SELECT status, count(*) AS n FROM tasks WHERE run_id = ? GROUP BY status'),
    episodeCounts: db.prepare(`SELECT policy, count(*) AS n, sum(passed) AS passed FROM episodes
      WHERE run_id = ? GROUP BY policy`),
  };
}

export class Store {
  /** Migration versions applied when this store was opened (empty when the database was current). */
  readonly migrated: number[];
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  /** Dedup and decontamination verdicts, and the index of kept tasks. */
  readonly screenings: ScreeningTable;
  /** LoRA adapters trained on this store's trajectories. */
  readonly adapters: AdapterRegistry;

  private constructor(db: Database.Database, migrated: number[]) {
    this.db = db;
    this.migrated = migrated;
    this.stmt = prepareStatements(db);
    this.screenings = new ScreeningTable(db);
    this.adapters = new AdapterRegistry(db);
  }

  /** Opens (creating if needed) the database at `path` and brings its schema up to date. */
  static open(path: string): Store {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      // Wait for other writers (worker and CLI share the file) before anything else takes a lock.
      db.pragma('busy_timeout = 5000');
      // WAL lets readers (CLI, export) run while the worker writes; NORMAL sync is durable enough under WAL.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      return new Store(db, migrate(db));
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private now(): string {
    return new Date().toISOString();
  }

  /** This database's own id (made once, when it was created): it names the store's Temporal queue. */
  get storeId(): string {
    return (this.stmt.storeId.get() as { value: string }).value;
  }

  /**
   * Records a run as running. A run id already recorded with another identity (config, model, packages) is
   * refused: its episodes would mix two runs in one export.
   */
  upsertRun(run: { id: string; name: string; config: unknown } & Partial<RunIdentity>): void {
    this.db.transaction(() => {
      const known = this.getRun(run.id);
      if (known && run.identity) checkRunIdentity(known, { identity: run.identity, model: run.model ?? null });
      this.stmt.upsertRun.run({
        id: run.id, name: run.name, config: JSON.stringify(run.config ?? null), now: this.now(),
        identity: run.identity ?? null, model: run.model ?? null,
      });
    }).immediate();
  }

  finishRun(id: string, status: Exclude<RunStatus, 'running'>): void {
    const { changes } = this.stmt.finishRun.run(status, this.now(), id);
    if (changes === 0) throw new Error(`finishRun: no run ${id}`);
  }

  getRun(id: string): RunRow | undefined {
    const row = this.stmt.getRun.get(id) as
      | { id: string; name: string; config_json: string; status: RunStatus; started_at: string; finished_at: string | null;
          identity: string | null; model: string | null }
      | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      name: row.name,
      config: JSON.parse(row.config_json),
      status: row.status,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      identity: row.identity,
      model: row.model,
    };
  }

  /** Records an environment image and the package it was built from; returns its id. */
  upsertEnvironment(env: EnvironmentSpec): string {
    const id = environmentId(env.environment.name, env.image);
    this.stmt.upsertEnvironment.run(id, env.environment.name, env.image, this.now(), env.environment.version, env.environment.hash);
    return id;
  }

  /** Replaces a task's gate outcomes (a retried write leaves one set). */
  saveGates(taskId: string, outcomes: GateOutcome[]): void {
    this.withContext(`saveGates ${taskId}`, () =>
      this.db.transaction(() => {
        this.stmt.deleteGates.run(taskId);
        for (const o of outcomes) {
          this.stmt.insertGate.run({
            taskId,
            name: o.name,
            gate: o.gate,
            mustPass: o.mustPass ? 1 : 0,
            passed: o.passed ? 1 : 0,
            detail: o.detail,
            steps: o.steps,
          });
        }
      })(),
    );
  }

  listGates(taskId: string): GateOutcome[] {
    const rows = this.stmt.listGates.all(taskId) as Array<{
      name: string; gate: GateOutcome['gate']; must_pass: number; passed: number; detail: string; steps: number;
    }>;
    return rows.map((r) => ({ gate: r.gate, name: r.name, mustPass: r.must_pass === 1, passed: r.passed === 1, detail: r.detail, steps: r.steps }));
  }

  upsertTask(runId: string, task: TaskSpec): void {
    this.withContext(`upsertTask ${task.id} (run ${runId})`, () =>
      this.stmt.upsertTask.run({
        id: task.id,
        runId,
        family: task.family,
        tier: task.tier,
        seed: task.seed,
        idx: task.index,
        spec: JSON.stringify(task),
        environmentHash: task.environment.hash,
      }),
    );
  }

  /** Writes the episode with its steps and verdict in one transaction, replacing any earlier copy. */
  saveEpisode(e: EpisodeRecord): void {
    this.withContext(`saveEpisode ${e.id} (task ${e.taskId}, run ${e.runId})`, () =>
      this.db.transaction(() => {
        this.stmt.upsertEpisode.run({
          id: e.id,
          runId: e.runId,
          taskId: e.taskId,
          policy: e.policy,
          idx: e.index,
          messages: JSON.stringify(e.messages),
          outcome: JSON.stringify(e.outcome),
          passed: e.verdict.passed ? 1 : 0,
          now: this.now(),
        });
        this.stmt.deleteSteps.run(e.id);
        for (const s of e.steps) {
          this.stmt.insertStep.run(
            e.id,
            s.index,
            s.toolCall.name,
            JSON.stringify(s.toolCall.arguments),
            s.result === null ? null : JSON.stringify(s.result),
            s.raw,
            s.outputTokens ? JSON.stringify(s.outputTokens) : null,
          );
        }
        this.stmt.upsertVerdict.run(e.id, e.verdict.passed ? 1 : 0, JSON.stringify(e.verdict.errors));
      })(),
    );
  }

  saveTaskResult(runId: string, r: TaskResult): void {
    const { changes } = this.stmt.saveTaskResult.run({
      id: r.taskId,
      runId,
      status: r.accepted ? 'accepted' : 'rejected',
      passRate: r.passRate,
      reason: r.reason,
    });
    if (changes === 0) throw new Error(`saveTaskResult: no task ${r.taskId} in run ${runId}`);
  }

  listTasks(runId: string): TaskRow[] {
    const rows = this.stmt.listTasks.all(runId) as Array<{
      id: string;
      run_id: string;
      family: string;
      tier: number;
      seed: number;
      idx: number;
      spec_json: string;
      status: TaskStatus;
      pass_rate: number | null;
      reason: string | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      family: r.family,
      tier: r.tier,
      seed: r.seed,
      index: r.idx,
      status: r.status,
      passRate: r.pass_rate,
      reason: r.reason,
      spec: JSON.parse(r.spec_json) as TaskSpec,
    }));
  }

  listEpisodes(taskId: string): EpisodeRecord[] {
    return (this.stmt.listEpisodes.all(taskId) as EpisodeDbRow[]).map((r) => this.toEpisode(r));
  }

  countEpisodes(runId: string): number {
    return (this.stmt.countEpisodes.get(runId) as { n: number }).n;
  }

  /** Passing model episodes of accepted tasks: the training data. */
  acceptedTrajectories(opts: { runId?: string } = {}): Trajectory[] {
    const rows = this.stmt.accepted.all({ runId: opts.runId ?? null }) as Array<EpisodeDbRow & { spec_json: string }>;
    return rows.map((r) => ({ task: JSON.parse(r.spec_json) as TaskSpec, episode: this.toEpisode(r) }));
  }

  /** The completed synthesis runs (evaluation runs left out) a model made, oldest first. */
  finishedSynthesisRuns(model: string): string[] {
    return (this.stmt.finishedSynthesisRuns.all(model) as Array<{ id: string }>).map((r) => r.id);
  }

  /** The family and tier of a stored task, or undefined. */
  taskPlace(taskId: string): { family: string; tier: number } | undefined {
    return this.stmt.taskPlace.get(taskId) as { family: string; tier: number } | undefined;
  }

  /** The seeds a family's tasks were generated from in synthesis runs (evaluation runs left out). */
  synthesisSeeds(family: string): number[] {
    return (this.stmt.synthesisSeeds.all(family) as Array<{ seed: number }>).map((r) => r.seed);
  }

  /** Model episodes run and passed per task of a run. */
  modelEpisodeCounts(runId: string): Map<string, { episodes: number; passed: number }> {
    const rows = this.stmt.modelEpisodeCounts.all(runId) as Array<{ task_id: string; n: number; passed: number }>;
    return new Map(rows.map((r) => [r.task_id, { episodes: r.n, passed: r.passed }]));
  }

  runSummary(runId: string): RunSummary {
    const tasks = { pending: 0, rejected: 0, accepted: 0 };
    for (const r of this.stmt.taskCounts.all(runId) as Array<{ status: TaskStatus; n: number }>) tasks[r.status] = r.n;
    const byPolicy: RunSummary['byPolicy'] = {
      reference: { episodes: 0, passed: 0 },
      null: { episodes: 0, passed: 0 },
      model: { episodes: 0, passed: 0 },
    };
    for (const r of this.stmt.episodeCounts.all(runId) as Array<{ policy: Policy; n: number; passed: number }>) {
      byPolicy[r.policy] = { episodes: r.n, passed: r.passed };
    }
    const model = byPolicy.model;
    return {
      runId,
      tasks: tasks.pending + tasks.rejected + tasks.accepted,
      ...tasks,
      episodes: model.episodes,
      passed: model.passed,
      passRate: model.episodes > 0 ? model.passed / model.episodes : null,
      byPolicy,
    };
  }

  private toEpisode(r: EpisodeDbRow): EpisodeRecord {
    const steps = (this.stmt.stepsOf.all(r.id) as StepDbRow[]).map(
      (s): StepRecord => ({
        index: s.idx,
        toolCall: { name: s.tool_name, arguments: JSON.parse(s.arguments_json) as Record<string, unknown> },
        result: s.result_json === null ? null : JSON.parse(s.result_json),
        raw: s.raw,
        ...(s.output_tokens ? { outputTokens: JSON.parse(s.output_tokens) as number[] } : {}),
      }),
    );
    const verdict: Verdict = {
      passed: r.passed === 1,
      errors: r.errors_json === null ? [] : (JSON.parse(r.errors_json) as string[]),
    };
    return {
      id: r.id,
      runId: r.run_id,
      taskId: r.task_id,
      policy: r.policy,
      index: r.idx,
      messages: JSON.parse(r.messages_json) as ChatMessage[],
      steps,
      outcome: JSON.parse(r.outcome_json) as Outcome,
      verdict,
    };
  }

  /** SQLite's "FOREIGN KEY constraint failed" names nothing; say which write and which ids. */
  private withContext<T>(what: string, write: () => T): T {
    try {
      return write();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new Error(`${what}: its run or task is not in the store (write the run and task first)`, { cause: err });
      }
      throw err;
    }
  }
}
