// Decontamination against evaluation sets the user names: a prompt sharing one word 13-gram with any text of an
// evaluation file is dropped (the n-gram overlap test common for benchmarks; the config may change n); a prompt
// shorter than n words is dropped when its whole word sequence appears in an evaluation text. JSON and
// JSONL files contribute every string they hold (prompts, questions, messages at any depth); other files are read
// as plain text.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { wordNgrams, words } from './word-ngrams.js';

export interface EvaluationFile {
  path: string;
  /** Hash of the content the run was configured with: a file changed since then is refused. */
  sha256: string;
}

export interface Contamination {
  file: string;
  ngram: string;
}

export class EvaluationFileError extends Error {
  constructor(readonly file: string, why: string) {
    super(`evaluation file ${file}: ${why}`);
    this.name = 'EvaluationFileError';
  }
}

function stringsIn(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => stringsIn(v, out));
}

/** The texts of one evaluation file. */
export function evaluationTexts(path: string, content: string): string[] {
  const texts: string[] = [];
  if (/\.jsonl$/i.test(path)) {
    content.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        stringsIn(JSON.parse(line), texts);
      } catch (error) {
        throw new EvaluationFileError(path, `line ${i + 1} is not JSON (${(error as Error).message})`);
      }
    });
  } else if (/\.json$/i.test(path)) {
    try {
      stringsIn(JSON.parse(content), texts);
    } catch (error) {
      throw new EvaluationFileError(path, `not JSON (${(error as Error).message})`);
    }
  } else {
    texts.push(content);
  }
  return texts;
}

export class EvaluationIndex {
  private readonly grams = new Map<string, string>();
  /** Each evaluation text as its words joined by spaces (with a space at both ends), for prompts shorter than n. */
  private readonly texts: Array<{ file: string; words: string }> = [];

  private constructor(readonly n: number) {}

  /** Reads and indexes the files, refusing one whose content no longer has the configured hash. */
  static load(files: EvaluationFile[], n: number): EvaluationIndex {
    const index = new EvaluationIndex(n);
    for (const file of files) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file.path);
      } catch (error) {
        throw new EvaluationFileError(file.path, `cannot be read (${(error as Error).message})`);
      }
      if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) {
        throw new EvaluationFileError(file.path, 'changed since the run was configured (its hash is part of the run id); start a new run');
      }
      for (const text of evaluationTexts(file.path, bytes.toString('utf8'))) {
        for (const gram of wordNgrams(text, n)) if (!index.grams.has(gram)) index.grams.set(gram, file.path);
        index.texts.push({ file: file.path, words: ` ${words(text).join(' ')} ` });
      }
    }
    return index;
  }

  get size(): number {
    return this.grams.size;
  }

  /** The first n-gram of the prompt found in an evaluation text, or null. */
  overlap(prompt: string): Contamination | null {
    const list = words(prompt);
    if (list.length === 0) return null;
    if (list.length < this.n) {
      const phrase = ` ${list.join(' ')} `;
      const hit = this.texts.find((t) => t.words.includes(phrase));
      return hit ? { file: hit.file, ngram: list.join(' ') } : null;
    }
    for (const gram of wordNgrams(prompt, this.n)) {
      const file = this.grams.get(gram);
      if (file !== undefined) return { file, ngram: gram };
    }
    return null;
  }
}
