// A task's fingerprint, taken after setup: an exact hash of what the agent is given (prompt, tools and the initial
// state, file by file) and a MinHash signature of the word 5-grams of the prompt and the state's text, for
// near-duplicates. Timestamps and owners in the archive are ignored: two setups that write the same files are
// the same state.
import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import minhash from 'minhash';
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import type { ToolSpec } from '../../schemas/types.js';
import { wordNgrams } from './word-ngrams.js';

export const SHINGLE_WORDS = 5;
export const SIGNATURE_SIZE = 128;
/** The state's text read for shingles: enough for any generated task, bounded for a huge one. */
const MAX_STATE_TEXT = 256 * 1024;

export interface TaskFingerprint {
  /** sha256 of prompt, tools and initial state, canonical form. */
  exact: string;
  /** MinHash signature (SIGNATURE_SIZE values) of the word 5-grams of prompt and state text. */
  signature: number[];
  /** Files and folders of the initial state. */
  entries: number;
}

interface StateEntry {
  path: string;
  type: string;
  mode: number;
  sha256: string | null;
  text: string;
}

/** The words a file holds: its text, or for a binary file (a database) the runs of printable characters in it. */
function textOf(content: Buffer): string {
  const text = content.toString('utf8');
  if (!text.includes('\uFFFD') && !text.includes('\u0000')) return text;
  return (content.toString('latin1').match(/[\x20-\x7e]{4,}/g) ?? []).join(' ');
}

/** The entries of a tar archive of /work, in path order. */
export async function stateEntries(archive: Buffer): Promise<StateEntry[]> {
  const extract = tar.extract();
  const entries: StateEntry[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        const path = header.name.replace(/^\.\//, '').replace(/\/$/, '');
        if (path !== '' && path !== '.') {
          const content = Buffer.concat(chunks);
          const file = header.type === 'file';
          entries.push({
            path,
            type: header.type ?? 'file',
            mode: (header.mode ?? 0) & 0o7777,
            sha256: file ? createHash('sha256').update(content).digest('hex') : null,
            text: file ? textOf(content) : header.type === 'symlink' ? `${header.linkname ?? ''}` : '',
          });
        }
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from(archive).pipe(extract);
  await done;
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** MinHash signature of a set of shingles (the `minhash` package; a fixed seed, so signatures compare across runs). */
export function signatureOf(shingles: Iterable<string>): number[] {
  const m = new minhash.Minhash({ numPerm: SIGNATURE_SIZE, seed: 1 });
  for (const s of shingles) m.update(s);
  return [...m.hashvalues];
}

/** Estimated Jaccard similarity of two signatures: the share of positions where they agree. */
export function estimatedJaccard(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`signatures differ in size (${a.length} vs ${b.length})`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export async function fingerprintTask(task: { prompt: string; tools: ToolSpec[] }, archive: Buffer): Promise<TaskFingerprint> {
  const entries = await stateEntries(archive);
  const exact = createHash('sha256')
    .update(stableStringify({ prompt: task.prompt, tools: task.tools, state: entries.map(({ text: _t, ...e }) => e) }))
    .digest('hex');
  let stateText = '';
  for (const e of entries) {
    if (stateText.length >= MAX_STATE_TEXT) break;
    stateText += `\n${e.path}\n${e.text.slice(0, MAX_STATE_TEXT - stateText.length)}`;
  }
  const shingles = wordNgrams(`${task.prompt}\n${stateText}`, SHINGLE_WORDS);
  return { exact, signature: signatureOf(shingles), entries: entries.length };
}
