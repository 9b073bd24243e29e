// An image built on the base image from folders of files, each copied to a place in the image with an owner and
// mode, plus Debian packages; tagged by the hash of everything that goes in, so it is built once per content.
// It knows images, not environments: environments/image.ts says what goes where.
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { hashFields } from '../core/content-hash.js';
import { SANDBOX_USER, VERIFIER_UID } from './profile.js';

/** Docker repository names allow lowercase letters, digits and single separators only. */
const REPO_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export interface LayerFolder {
  /** Absolute path in the image. */
  dest: string;
  files: Array<{ rel: string; content: Buffer; executable: boolean }>;
  /** public: root-owned, world-readable; private: the verifier's, mode 0700 (the agent cannot even list it). */
  access: 'public' | 'private';
}

export interface LayerImageSpec {
  /** Repository part of the tag, e.g. tasksynth-env-files. */
  repo: string;
  baseTag: string;
  folders: LayerFolder[];
  debianPackages: string[];
  labels: Record<string, string>;
}

export interface LayerImageContext {
  tag: string;
  dockerfile: string;
  spec: LayerImageSpec;
}

function dockerfileFor(spec: LayerImageSpec): string {
  const lines = [`FROM ${spec.baseTag}`, 'USER 0:0'];
  if (spec.debianPackages.length > 0) {
    // The only step with network; the sandboxes built from this image never have any.
    lines.push(
      'RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ' +
        `${spec.debianPackages.join(' ')} && rm -rf /var/lib/apt/lists/*`,
    );
  }
  const modes: string[] = [];
  spec.folders.forEach((folder, i) => {
    if (folder.access === 'private') {
      lines.push(`COPY --chown=${VERIFIER_UID}:${VERIFIER_UID} layer${i}/ ${folder.dest}/`);
      modes.push(`chmod -R u=rwX,go= ${folder.dest}`);
    } else {
      lines.push(`COPY layer${i}/ ${folder.dest}/`);
      modes.push(`chmod -R u=rwX,go=rX ${folder.dest}`);
    }
  });
  if (modes.length > 0) lines.push(`RUN ${modes.join(' && ')}`);
  lines.push(`USER ${SANDBOX_USER}`, '');
  return lines.join('\n');
}

/** Everything the build needs, and the tag that addresses it. */
export function layerImageContext(spec: LayerImageSpec): LayerImageContext {
  if (!REPO_NAME.test(spec.repo)) {
    throw new Error(`${JSON.stringify(spec.repo)} cannot be used in an image tag (use a-z, 0-9, ".", "_", "-")`);
  }
  const dockerfile = dockerfileFor(spec);
  const fields: Array<string | Buffer> = [spec.baseTag, dockerfile];
  for (const folder of spec.folders) {
    fields.push(folder.dest, folder.access);
    for (const f of folder.files) fields.push(f.rel, f.executable ? 'x' : '-', f.content);
  }
  return { tag: `${spec.repo}:${hashFields(fields).slice(0, 12)}`, dockerfile, spec };
}

/** A node Readable (tar-stream packs are streamx streams, which dockerode's types do not take). */
function buildContext(ctx: LayerImageContext): Readable {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile', mode: 0o644 }, ctx.dockerfile);
  ctx.spec.folders.forEach((folder, i) => {
    pack.entry({ name: `layer${i}`, type: 'directory', mode: 0o755 });
    const dirs = new Set<string>();
    for (const f of folder.files) {
      const parts = f.rel.split('/');
      for (let j = 1; j < parts.length; j++) dirs.add(parts.slice(0, j).join('/'));
    }
    for (const d of [...dirs].sort()) pack.entry({ name: `layer${i}/${d}`, type: 'directory', mode: 0o755 });
    for (const f of folder.files) pack.entry({ name: `layer${i}/${f.rel}`, mode: f.executable ? 0o755 : 0o644 }, f.content);
  });
  pack.finalize();
  return Readable.from(pack);
}

export async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

async function build(docker: Docker, ctx: LayerImageContext): Promise<void> {
  const stream = await docker.buildImage(buildContext(ctx), {
    t: ctx.tag,
    rm: true,
    forcerm: true,
    pull: false,
    networkmode: ctx.spec.debianPackages.length > 0 ? 'default' : 'none',
    // Not LABEL_MANAGED: containers inherit image labels, and only sandboxes should be reaped.
    labels: ctx.spec.labels,
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

/** Builds the image if it is not there yet; returns its tag. Concurrent callers in this process share one build. */
export async function ensureLayerImage(docker: Docker, spec: LayerImageSpec): Promise<string> {
  const ctx = layerImageContext(spec);
  if (await imageExists(docker, ctx.tag)) return ctx.tag;
  // Checked here because the builder would otherwise try to pull it from a registry.
  if (!(await imageExists(docker, spec.baseTag))) {
    throw new Error(`Base image ${spec.baseTag} is missing: build it with \`sudo bash scripts/build-base-image.sh\` (npm run setup does)`);
  }
  const pending = inFlight.get(ctx.tag);
  if (pending) return pending;
  const job = build(docker, ctx)
    .then(() => ctx.tag)
    .finally(() => inFlight.delete(ctx.tag));
  inFlight.set(ctx.tag, job);
  return job;
}
