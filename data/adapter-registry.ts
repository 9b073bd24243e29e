// The store's record of trained LoRA adapters, by name: the GGUF file and its hash, the base model it was trained on
// (path and hash), the data it was trained on, the hyperparameters and the loss curve. A name is given once: the
// same adapter registered again (a retried activity) is a no-op, another adapter under a used name is refused.
import type { Database } from 'better-sqlite3';

export interface TrainingData {
  /** The runs whose accepted trajectories were the data. */
  runs: string[];
  /** Lines (model steps) in the file the trainer read, and their labelled (loss-bearing) tokens. */
  lines: number;
  labelTokens: number;
  /** sha256 of the engine-tokens file. */
  sha256: string;
  /** The tasks behind those lines: an evaluation keeps them out of its held-out set. */
  taskIds: string[];
}

export interface AdapterRecord {
  name: string;
  /** The GGUF adapter file the embedded engine loads. */
  path: string;
  sha256: string;
  basePath: string;
  baseSha256: string;
  data: TrainingData;
  hyperparameters: Record<string, number>;
  /** Training loss per optimizer step. */
  losses: number[];
  seconds: number;
  createdAt: string;
}

export class AdapterNameTaken extends Error {}

interface AdapterRow {
  name: string; path: string; sha256: string; base_path: string; base_sha256: string; data_json: string;
  hyper_json: string; losses_json: string; seconds: number; created_at: string;
}

export class AdapterRegistry {
  private readonly stmt;

  constructor(private readonly db: Database) {
    this.stmt = {
      get: db.prepare('SELECT * FROM adapters WHERE name = ?'),
      all: db.prepare('SELECT * FROM adapters ORDER BY created_at'),
      insert: db.prepare(`INSERT INTO adapters (name, path, sha256, base_path, base_sha256, data_json, hyper_json,
        losses_json, seconds, created_at) VALUES (@name, @path, @sha256, @basePath, @baseSha256, @data, @hyper,
        @losses, @seconds, @createdAt)`),
    };
  }

  register(record: Omit<AdapterRecord, 'createdAt'>): AdapterRecord {
    return this.db.transaction((): AdapterRecord => {
      const known = this.get(record.name);
      if (known) {
        if (known.sha256 === record.sha256 && known.baseSha256 === record.baseSha256) return known;
        throw new AdapterNameTaken(
          `adapter name "${record.name}" is taken by ${known.path} (sha256 ${known.sha256.slice(0, 12)}, trained ${known.createdAt}); choose another --name`,
        );
      }
      const createdAt = new Date().toISOString();
      this.stmt.insert.run({
        ...record, data: JSON.stringify(record.data), hyper: JSON.stringify(record.hyperparameters),
        losses: JSON.stringify(record.losses), createdAt,
      });
      return { ...record, createdAt };
    }).immediate();
  }

  get(name: string): AdapterRecord | undefined {
    const row = this.stmt.get.get(name) as AdapterRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  list(): AdapterRecord[] {
    return (this.stmt.all.all() as AdapterRow[]).map(toRecord);
  }
}

function toRecord(r: AdapterRow): AdapterRecord {
  return {
    name: r.name, path: r.path, sha256: r.sha256, basePath: r.base_path, baseSha256: r.base_sha256,
    data: JSON.parse(r.data_json), hyperparameters: JSON.parse(r.hyper_json), losses: JSON.parse(r.losses_json),
    seconds: r.seconds, createdAt: r.created_at,
  };
}
