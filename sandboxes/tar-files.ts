// Files into a sandbox as a tar stream: the entries that put relative paths under /work, and the packing itself
// (shared with image building).
import tar from 'tar-stream';

export type TarEntry = { name: string; type: 'directory' } | { name: string; type: 'file'; content: Buffer };

/**
 * The tar entries that put `files` (relative path -> text) under /work, parents first.
 * Throws on a path that could land outside /work or is not in plain form.
 */
export function tarEntriesFor(files: Record<string, string>): TarEntry[] {
  const dirs = new Set<string>();
  const names = Object.keys(files).sort();
  for (const name of names) {
    checkRelativePath(name);
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const name of names) {
    if (dirs.has(name)) throw new Error(`Invalid sandbox file path "${name}": it is also a directory of another file`);
  }
  const entries: TarEntry[] = [...dirs].sort().map((name) => ({ name, type: 'directory' as const }));
  for (const name of names) entries.push({ name, type: 'file', content: Buffer.from(files[name] ?? '', 'utf8') });
  return entries;
}

function checkRelativePath(name: string): void {
  const bad = (why: string): never => {
    throw new Error(`Invalid sandbox file path ${JSON.stringify(name)}: ${why}`);
  };
  if (name.length === 0) bad('empty');
  if (/[\u0000-\u001f]/.test(name)) bad('control characters are not allowed');
  if (name.startsWith('/')) bad('absolute paths are not allowed; give a path relative to /work');
  for (const part of name.split('/')) {
    if (part === '..') bad('".." is not allowed');
    if (part === '.' || part === '') bad('use a plain relative path (no "." parts, no empty parts, no trailing "/")');
  }
}

export async function tarBuffer(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const mtime = new Date();
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', mode: 0o755, mtime });
    else pack.entry({ name: e.name, type: 'file', mode: 0o644, mtime }, e.content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

