// A family's image: the base image plus the family's Python helpers, tagged by the hash of what goes in.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { projectRoot } from '../config/paths.js';
import { LABEL_FAMILY, SANDBOX_USER } from './profile.js';
import type { ToolCall } from '../schemas/types.js';

/** Docker repository names allow lowercase letters, digits and single separators only. */
const FAMILY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const CONTEXT_DIR = 'family';

export function familyInstallDir(family: string): string {
  return `/opt/tasksynth/families/${family}`;
}

/** The argv that runs one tool call inside the sandbox; arguments travel as one JSON argument, never via a shell. */
export const toolArgv = (family: string, call: ToolCall): string[] => [
  'python3',
  `${familyInstallDir(family)}/tools.py`,
  call.name,
  JSON.stringify(call.arguments),
];

/** The argv of the family's probe, which prints the sandbox's final state as JSON. */
export const probeArgv = (family: string): string[] => ['python3', `${familyInstallDir(family)}/probe.py`];

/** Relative paths of every *.py file under `dir` (recursively, skipping caches and hidden folders), sorted. */
function pythonFiles(dir: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name === '__pycache__' || entry.name.startsWith('.')) continue;
      found.push(...pythonFiles(dir, rel));
    } else if (entry.isFile() && entry.name.endsWith('.py')) {
      found.push(rel);
    }
  }
  return found.sort();
}

function dockerfileFor(family: string, baseTag: string, hasFiles: boolean): string {
  const lines = [`FROM ${baseTag}`];
  // COPY makes root-owned files; the agent (uid 1000) can read them but not change them.
  if (hasFiles) lines.push(`COPY ${CONTEXT_DIR}/ ${familyInstallDir(family)}/`);
  lines.push(`USER ${SANDBOX_USER}`, '');
  return lines.join('\n');
}

interface FamilyContext {
  tag: string;
  dockerfile: string;
  files: { rel: string; content: Buffer }[];
}

/** Everything the build needs, and the tag that addresses it. */
export function familyImageContext(family: string, baseTag: string, familiesDir: string): FamilyContext {
  if (!FAMILY_NAME.test(family)) {
    throw new Error(`Family name ${JSON.stringify(family)} cannot be used in an image tag (use a-z, 0-9, ".", "_", "-")`);
  }
  const dir = join(familiesDir, family);
  if (!existsSync(dir)) throw new Error(`Family folder ${dir} does not exist`);
  const files = pythonFiles(dir).map((rel) => ({ rel, content: readFileSync(join(dir, rel)) }));
  const dockerfile = dockerfileFor(family, baseTag, files.length > 0);
  const hash = createHash('sha256');
  // Length-prefixed fields so no two different inputs hash alike.
  const field = (b: Buffer | string) => {
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b, 'utf8');
    hash.update(`${buf.length}:`).update(buf);
  };
  field(baseTag);
  field(dockerfile);
  for (const f of files) {
    field(f.rel);
    field(f.content);
  }
  const tag = `tasksynth-env-${family}:${hash.digest('hex').slice(0, 12)}`;
  return { tag, dockerfile, files };
}

/** A node Readable (tar-stream packs are streamx streams, which dockerode's types do not take). */
function buildContext(ctx: FamilyContext): Readable {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile', mode: 0o644 }, ctx.dockerfile);
  const dirs = new Set<string>();
  for (const f of ctx.files) {
    const parts = f.rel.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of [...dirs].sort()) pack.entry({ name: `${CONTEXT_DIR}/${d}`, type: 'directory', mode: 0o755 });
  for (const f of ctx.files) pack.entry({ name: `${CONTEXT_DIR}/${f.rel}`, mode: 0o644 }, f.content);
  pack.finalize();
  return Readable.from(pack);
}

async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

async function build(docker: Docker, family: string, ctx: FamilyContext): Promise<void> {
  const stream = await docker.buildImage(buildContext(ctx), {
    t: ctx.tag,
    rm: true,
    forcerm: true,
    pull: false,
    networkmode: 'none',
    // Not LABEL_MANAGED: containers inherit image labels, and only sandboxes should be reaped.
    labels: { 'tasksynth.image': 'family', [LABEL_FAMILY]: family },
  });
  const events = await new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: Array<Record<string, unknown>>) =>
      err ? reject(err) : resolve(output),
    );
  });
  // A failed build still ends the stream normally; the failure is an event in it.
  const failure = events.find((e) => e.error !== undefined || e.errorDetail !== undefined);
  if (failure) {
    const detail = failure.errorDetail as { message?: string } | undefined;
    throw new Error(`Building ${ctx.tag} failed: ${String(failure.error ?? detail?.message ?? 'unknown error')}`);
  }
  if (!(await imageExists(docker, ctx.tag))) throw new Error(`Building ${ctx.tag} finished but the image is missing`);
}

const inFlight = new Map<string, Promise<string>>();

/** Builds the family image if it is not there yet; returns its tag. Concurrent callers share one build. */
export async function ensureFamilyImage(
  docker: Docker,
  family: string,
  baseTag: string,
  familiesDir: string = join(projectRoot(), 'families'),
): Promise<string> {
  const ctx = familyImageContext(family, baseTag, familiesDir);
  if (await imageExists(docker, ctx.tag)) return ctx.tag;
  // Checked here because the builder would otherwise try to pull it from a registry.
  if (!(await imageExists(docker, baseTag))) {
    throw new Error(`Base image ${baseTag} is missing: build it with \`sudo bash scripts/build-base-image.sh\` (npm run setup does)`);
  }
  const pending = inFlight.get(ctx.tag);
  if (pending) return pending;
  const job = build(docker, family, ctx)
    .then(() => ctx.tag)
    .finally(() => inFlight.delete(ctx.tag));
  inFlight.set(ctx.tag, job);
  return job;
}
