// The store's side of dedup and decontamination: each task's screening verdict, and the fingerprints and LSH
// buckets of every kept task. One transaction per task, so two tasks screened at once cannot both be kept as
// each other's duplicate, and a retried screening returns the verdict already recorded.
import type { Database } from 'better-sqlite3';
import { estimatedJaccard, type TaskFingerprint } from './fingerprint.js';
import { bandKeys } from './lsh-bands.js';
import type { Contamination } from './decontamination.js';

export type ScreeningVerdict = 'kept' | 'exact-duplicate' | 'near-duplicate' | 'contaminated';

export interface Screening {
  verdict: ScreeningVerdict;
  duplicateOf: string | null;
  similarity: number | null;
  detail: string;
}

export interface ScreeningRequest {
  runId: string;
  taskId: string;
  family: string;
  fingerprint: TaskFingerprint;
  contamination: Contamination | null;
  exact: boolean;
  /** Jaccard from which a task of the same family is a near-duplicate; null turns the check off. */
  nearThreshold: number | null;
  /**
   * A task of an evaluation run: compared with synthesized tasks only (the base and the tuned model are measured
   * on the same held-out tasks), and indexed as held out, so every later synthesis run keeps clear of it.
   */
  heldOut?: boolean;
}

export class ScreeningTable {
  private readonly stmt;

  constructor(private readonly db: Database) {
    this.stmt = {
      get: db.prepare('SELECT verdict, duplicate_of, similarity, detail FROM screenings WHERE task_id = ?'),
      insert: db.prepare(`INSERT INTO screenings (task_id, run_id, family, verdict, duplicate_of, similarity, detail)
        VALUES (@taskId, @runId, @family, @verdict, @duplicateOf, @similarity, @detail)`),
      // @heldOut 1: an evaluation task, compared with synthesized (held_out 0) tasks only.
      exact: db.prepare(`SELECT task_id FROM task_fingerprints WHERE exact_hash = @hash AND task_id != @taskId
        AND (@heldOut = 0 OR held_out = 0) ORDER BY rowid LIMIT 1`),
      candidates: db.prepare(`SELECT DISTINCT f.task_id, f.signature_json FROM lsh_buckets b
        JOIN task_fingerprints f ON f.task_id = b.task_id
        WHERE b.family = @family AND b.band = @band AND b.bucket = @bucket AND b.task_id != @taskId
          AND (@heldOut = 0 OR f.held_out = 0)`),
      keep: db.prepare(`INSERT INTO task_fingerprints (task_id, family, exact_hash, signature_json, held_out) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (task_id) DO NOTHING`),
      bucket: db.prepare('INSERT INTO lsh_buckets (family, band, bucket, task_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      byRun: db.prepare(`SELECT s.task_id, s.verdict, s.duplicate_of, s.similarity, s.detail FROM screenings s
        WHERE s.run_id = ?`),
    };
  }

  /** Screens a task (the store must hold it): decontamination, exact, then near duplicates; kept tasks are indexed. */
  screen(req: ScreeningRequest): Screening {
    return this.db.transaction((): Screening => {
      const earlier = this.stmt.get.get(req.taskId) as { verdict: ScreeningVerdict; duplicate_of: string | null; similarity: number | null; detail: string } | undefined;
      if (earlier) return { verdict: earlier.verdict, duplicateOf: earlier.duplicate_of, similarity: earlier.similarity, detail: earlier.detail };
      const result = this.decide(req);
      this.stmt.insert.run({ taskId: req.taskId, runId: req.runId, family: req.family, ...result });
      if (result.verdict === 'kept') {
        this.stmt.keep.run(req.taskId, req.family, req.fingerprint.exact, JSON.stringify(req.fingerprint.signature), req.heldOut ? 1 : 0);
        bandKeys(req.fingerprint.signature).forEach((key, band) => this.stmt.bucket.run(req.family, band, key, req.taskId));
      }
      return result;
    }).immediate();
  }

  private decide(req: ScreeningRequest): Screening {
    if (req.contamination) {
      return {
        verdict: 'contaminated',
        duplicateOf: null,
        similarity: null,
        detail: `prompt shares the words "${req.contamination.ngram}" with ${req.contamination.file}`,
      };
    }
    if (req.exact) {
      const same = this.stmt.exact.get({ hash: req.fingerprint.exact, taskId: req.taskId, heldOut: req.heldOut ? 1 : 0 }) as { task_id: string } | undefined;
      if (same) return { verdict: 'exact-duplicate', duplicateOf: same.task_id, similarity: 1, detail: `same prompt, tools and initial state as ${same.task_id}` };
    }
    if (req.nearThreshold !== null) {
      const threshold = req.nearThreshold;
      let best: { taskId: string; similarity: number } | null = null;
      const seen = new Set<string>();
      bandKeys(req.fingerprint.signature).forEach((key, band) => {
        for (const row of this.stmt.candidates.all({ family: req.family, band, bucket: key, taskId: req.taskId, heldOut: req.heldOut ? 1 : 0 }) as Array<{ task_id: string; signature_json: string }>) {
          if (seen.has(row.task_id)) continue;
          seen.add(row.task_id);
          const similarity = estimatedJaccard(req.fingerprint.signature, JSON.parse(row.signature_json) as number[]);
          if (similarity >= threshold && (!best || similarity > best.similarity)) best = { taskId: row.task_id, similarity };
        }
      });
      if (best) {
        const { taskId, similarity } = best;
        return {
          verdict: 'near-duplicate',
          duplicateOf: taskId,
          similarity,
          detail: `word 5-grams of prompt and initial state ${(100 * similarity).toFixed(0)}% alike (MinHash) with ${taskId}`,
        };
      }
    }
    return { verdict: 'kept', duplicateOf: null, similarity: null, detail: 'no duplicate, no evaluation overlap' };
  }

  /** Every screening of a run, by task id. */
  ofRun(runId: string): Map<string, Screening> {
    const rows = this.stmt.byRun.all(runId) as Array<{ task_id: string; verdict: ScreeningVerdict; duplicate_of: string | null; similarity: number | null; detail: string }>;
    return new Map(rows.map((r) => [r.task_id, { verdict: r.verdict, duplicateOf: r.duplicate_of, similarity: r.similarity, detail: r.detail }]));
  }
}
