// Versioned schema migrations. Append new entries; never edit one that has shipped, since databases
// record which versions they applied (and by name, so an edited migration is caught on open).
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE runs (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        config_json TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
        started_at  TEXT NOT NULL,
        finished_at TEXT
      ) STRICT;

      -- One row per family image layer; the id joins both so a rebuilt image is a new environment.
      CREATE TABLE environments (
        id         TEXT PRIMARY KEY,
        family     TEXT NOT NULL,
        image      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (family, image)
      ) STRICT;

      CREATE TABLE tasks (
        id        TEXT PRIMARY KEY,
        run_id    TEXT NOT NULL REFERENCES runs(id),
        family    TEXT NOT NULL,
        tier      INTEGER NOT NULL,
        seed      INTEGER NOT NULL,
        idx       INTEGER NOT NULL,
        spec_json TEXT NOT NULL,
        status    TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'rejected', 'accepted')),
        pass_rate REAL,
        reason    TEXT
      ) STRICT;
      CREATE INDEX tasks_run_status ON tasks (run_id, status);
      CREATE INDEX tasks_family_tier ON tasks (family, tier);

      CREATE TABLE episodes (
        id            TEXT PRIMARY KEY,
        run_id        TEXT NOT NULL REFERENCES runs(id),
        task_id       TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        policy        TEXT NOT NULL CHECK (policy IN ('reference', 'null', 'model')),
        idx           INTEGER NOT NULL,
        messages_json TEXT NOT NULL,
        outcome_json  TEXT NOT NULL,
        passed        INTEGER NOT NULL CHECK (passed IN (0, 1)),
        created_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX episodes_task ON episodes (task_id, policy, idx);
      -- Serves countEpisodes, runSummary and the accepted-trajectory export.
      CREATE INDEX episodes_run_policy_passed ON episodes (run_id, policy, passed);

      CREATE TABLE steps (
        episode_id     TEXT NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
        idx            INTEGER NOT NULL,
        tool_name      TEXT NOT NULL,
        arguments_json TEXT NOT NULL,
        result_json    TEXT,
        raw            TEXT,
        PRIMARY KEY (episode_id, idx)
      ) STRICT;
      CREATE INDEX steps_tool ON steps (tool_name);

      CREATE TABLE verdicts (
        episode_id  TEXT PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
        errors_json TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'environment packages and gates',
    sql: `
      -- The package each environment image was built from, and the package hash of every task.
      ALTER TABLE environments ADD COLUMN version TEXT;
      ALTER TABLE environments ADD COLUMN package_hash TEXT;
      ALTER TABLE tasks ADD COLUMN environment_hash TEXT;

      -- One row per gate rollout of a task (reference, ablations, null, random, mutants, guess).
      CREATE TABLE gates (
        task_id   TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        name      TEXT NOT NULL,
        gate      TEXT NOT NULL CHECK (gate IN ('reference', 'ablation', 'null', 'random', 'mutant', 'guess')),
        must_pass INTEGER NOT NULL CHECK (must_pass IN (0, 1)),
        passed    INTEGER NOT NULL CHECK (passed IN (0, 1)),
        detail    TEXT NOT NULL,
        steps     INTEGER NOT NULL,
        PRIMARY KEY (task_id, name)
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'dedup and decontamination',
    sql: `
      -- What screening decided for each task before any rollout: kept, or dropped and why.
      CREATE TABLE screenings (
        task_id      TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
        run_id       TEXT NOT NULL,
        family       TEXT NOT NULL,
        verdict      TEXT NOT NULL CHECK (verdict IN ('kept', 'exact-duplicate', 'near-duplicate', 'contaminated')),
        duplicate_of TEXT,
        similarity   REAL,
        detail       TEXT NOT NULL
      ) STRICT;
      CREATE INDEX screenings_run ON screenings (run_id, verdict);

      -- Fingerprints of kept tasks, the whole store's memory of what was synthesized.
      CREATE TABLE task_fingerprints (
        task_id        TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
        family         TEXT NOT NULL,
        exact_hash     TEXT NOT NULL,
        signature_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX task_fingerprints_exact ON task_fingerprints (exact_hash);

      -- MinHash LSH buckets of kept tasks, per family (near-duplicates are looked for within a family).
      CREATE TABLE lsh_buckets (
        family  TEXT NOT NULL,
        band    INTEGER NOT NULL,
        bucket  TEXT NOT NULL,
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        PRIMARY KEY (family, band, bucket, task_id)
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'run identity and store id',
    sql: `
      -- What a run id stands for (a hash of its config, model and environment packages) and the model's name:
      -- a run id reused for another config or model is refused instead of mixing two runs in one export.
      ALTER TABLE runs ADD COLUMN identity TEXT;
      ALTER TABLE runs ADD COLUMN model TEXT;

      -- One row per database: the store's own id names its Temporal queue, so two stores never share a queue.
      CREATE TABLE store_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      INSERT INTO store_meta (key, value) VALUES ('store_id', lower(hex(randomblob(6))));
    `,
  },
  {
    version: 5,
    name: 'output tokens of model steps',
    sql: `
      -- The token ids the embedded engine generated for a step (JSON array), as it produced them: text the model
      -- wrote a space at a time tokenizes back into fewer tokens, so the raw text alone cannot give them again.
      ALTER TABLE steps ADD COLUMN output_tokens TEXT;
    `,
  },
  {
    version: 6,
    name: 'trained adapters',
    sql: `
      -- LoRA adapters \`tasksynth train\` made, by name: what they were trained from and how, so a served adapter and
      -- an evaluation name exactly the weights, the base model and the data behind them.
      CREATE TABLE adapters (
        name        TEXT PRIMARY KEY,
        path        TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        base_path   TEXT NOT NULL,
        base_sha256 TEXT NOT NULL,
        data_json   TEXT NOT NULL,
        hyper_json  TEXT NOT NULL,
        losses_json TEXT NOT NULL,
        seconds     REAL NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'held-out tasks',
    sql: `
      -- Tasks of evaluation runs: a synthesis run keeps clear of them (it may never train on them), while an
      -- evaluation run compares itself with synthesized tasks only, so the base and the tuned model can be measured
      -- on the same held-out tasks.
      ALTER TABLE task_fingerprints ADD COLUMN held_out INTEGER NOT NULL DEFAULT 0 CHECK (held_out IN (0, 1));
    `,
  },
];

/** Applies the migrations this database lacks, each in its own transaction; returns the versions applied. */
export function migrate(db: Database, list: readonly Migration[] = migrations): number[] {
  for (let i = 1; i < list.length; i++) {
    if (list[i].version <= list[i - 1].version) {
      throw new Error(`migration versions must increase: ${list[i - 1].version} then ${list[i].version}`);
    }
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);

  const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{
    version: number;
    name: string;
  }>;
  const known = new Map(list.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = known.get(row.version);
    if (!m) {
      throw new Error(`database has migration ${row.version} (${row.name}) that this code does not know; is it newer?`);
    }
    if (m.name !== row.name) {
      throw new Error(`migration ${row.version} is "${row.name}" in the database but "${m.name}" in code`);
    }
  }

  const done = new Set(applied.map((r) => r.version));
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const ran: number[] = [];
  for (const m of list) {
    if (done.has(m.version)) continue;
    // immediate: take the write lock first, so two processes opening a fresh database cannot both migrate.
    db.transaction(() => {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
      if (again) return;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
      ran.push(m.version);
    }).immediate();
  }
  return ran;
}
