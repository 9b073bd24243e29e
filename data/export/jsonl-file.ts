// Writes JSONL so a failure leaves nothing half-written: lines go to a temp file beside the target (same
// directory, so the final rename is atomic, no cross-device move), synced, then renamed into place.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Writes every line `lines` yields to `outFile`; returns how many and the file's absolute path. */
export async function writeJsonlFile(outFile: string, lines: Iterable<unknown> | AsyncIterable<unknown>): Promise<{ lines: number; file: string }> {
  const file = resolve(outFile);
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  let count = 0;
  try {
    for await (const line of lines) {
      await handle.write(`${JSON.stringify(line)}\n`);
      count++;
    }
    await handle.sync();
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return { lines: count, file };
}
