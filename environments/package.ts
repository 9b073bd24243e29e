// Loads an environment package: a folder with environment.yaml (validated by schemas/environment.schema.json),
// a public folder of tools and a private folder of verifier programs. A built-in package and a user's folder load
// the same way; anything wrong is an EnvironmentError naming the file and the field.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { hashFields } from '../core/content-hash.js';
import { compileSchema, schemaId, validateWith } from '../schemas/registry.js';
import type { EnvironmentRef, ToolSpec } from '../schemas/types.js';
import { TOOLS_PLACEHOLDER } from './layout.js';

export const MANIFEST_FILE = 'environment.yaml';

export class EnvironmentError extends Error {
  readonly exitCode = 2;
  constructor(readonly file: string, readonly problems: string[]) {
    super(`invalid environment package ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvironmentError';
  }
}

export interface EnvironmentTool extends ToolSpec {
  argv: string[];
  mutates: boolean;
}

export interface PackageFile {
  /** Path relative to its folder, with / separators. */
  rel: string;
  content: Buffer;
  executable: boolean;
}

export interface EnvironmentPackage {
  name: string;
  version: string;
  description: string;
  tiers: Array<{ tier: number; description: string }>;
  maxTier: number;
  tools: EnvironmentTool[];
  generator: string;
  setup: string;
  probe: string;
  /** Where the probe runs: the episode's sandbox, or a fresh test-runner sandbox with the agent's final /work. */
  probeIn: 'sandbox' | 'test-runner';
  debianPackages: string[];
  /** The package folder and its manifest. */
  dir: string;
  manifestFile: string;
  manifestText: string;
  publicFiles: PackageFile[];
  privateFiles: PackageFile[];
  /** sha256 of the manifest and every file of both folders: names the image layer, stored with every task. */
  hash: string;
}

interface Manifest {
  name: string;
  version: string;
  description: string;
  tiers: Array<{ tier: number; description: string }>;
  tools: Array<ToolSpec & { argv: string[]; mutates: boolean }>;
  generator: string;
  setup: string;
  probe: string;
  probeIn: 'sandbox' | 'test-runner';
  debianPackages: string[];
  layer: { public: string; private: string };
}

/** Every file under dir (recursively, skipping caches and hidden entries), sorted by path. */
export function folderFiles(dir: string, prefix = ''): PackageFile[] {
  const found: PackageFile[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === '__pycache__') continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...folderFiles(dir, rel));
    else if (entry.isFile()) {
      const path = join(dir, rel);
      found.push({ rel, content: readFileSync(path), executable: (statSync(path).mode & 0o111) !== 0 });
    }
  }
  return found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

export function loadEnvironment(dirArg: string): EnvironmentPackage {
  const dir = resolve(dirArg);
  const manifestFile = join(dir, MANIFEST_FILE);
  const fail = (problems: string[]): never => {
    throw new EnvironmentError(manifestFile, problems);
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail([`the package folder ${dir} does not exist`]);
  if (!existsSync(manifestFile)) fail([`no ${MANIFEST_FILE} in ${dir}`]);
  const manifestText = readFileSync(manifestFile, 'utf8');
  const doc = parseDocument(manifestText, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) fail(doc.errors.map((e) => e.message.split('\n')[0]));
  const value = doc.toJS() as unknown;
  const problems = validateWith(schemaId('environment'), value);
  if (problems.length > 0) fail(problems);
  const manifest = value as Manifest;

  const rules: string[] = [];
  manifest.tiers.forEach((t, i) => {
    if (t.tier !== i) rules.push(`/tiers/${i}/tier must be ${i}: tiers are listed in order from 0`);
  });
  const seen = new Set<string>();
  manifest.tools.forEach((tool, i) => {
    if (seen.has(tool.name)) rules.push(`/tools/${i}/name "${tool.name}" is used by an earlier tool`);
    seen.add(tool.name);
    try {
      compileSchema(tool.parameters);
    } catch (error) {
      rules.push(`/tools/${i}/parameters is not a usable JSON Schema: ${(error as Error).message}`);
    }
  });
  const publicDir = join(dir, manifest.layer.public);
  const privateDir = join(dir, manifest.layer.private);
  if (!existsSync(publicDir)) rules.push(`/layer/public folder ${manifest.layer.public}/ is missing in ${dir}`);
  if (!existsSync(privateDir)) rules.push(`/layer/private folder ${manifest.layer.private}/ is missing in ${dir}`);
  if (manifest.layer.public === manifest.layer.private) rules.push('/layer/private must differ from /layer/public');
  if (rules.length > 0) fail(rules);

  const publicFiles = folderFiles(publicDir);
  const privateFiles = folderFiles(privateDir);
  const has = (files: PackageFile[], rel: string) => files.some((f) => f.rel === rel);
  for (const key of ['generator', 'setup', 'probe'] as const) {
    if (!has(privateFiles, manifest[key])) rules.push(`/${key} ${manifest[key]} is not in the private folder ${manifest.layer.private}/`);
  }
  manifest.tools.forEach((tool, i) => {
    tool.argv.forEach((part, j) => {
      const at = part.indexOf(`${TOOLS_PLACEHOLDER}/`);
      if (at < 0) return;
      const rel = part.slice(at + TOOLS_PLACEHOLDER.length + 1);
      if (!has(publicFiles, rel)) rules.push(`/tools/${i}/argv/${j} names ${rel}, which is not in the public folder ${manifest.layer.public}/`);
    });
  });
  if (rules.length > 0) fail(rules);

  const fields: Array<string | Buffer> = [manifestText];
  for (const [label, files] of [['public', publicFiles], ['private', privateFiles]] as const) {
    for (const f of files) fields.push(label, f.rel, f.executable ? 'x' : '-', f.content);
  }
  return {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    tiers: manifest.tiers,
    maxTier: manifest.tiers.length - 1,
    tools: manifest.tools.map((t) => ({
      name: t.name,
      description: t.description,
      parameters: t.parameters,
      argv: t.argv,
      mutates: t.mutates,
    })),
    generator: manifest.generator,
    setup: manifest.setup,
    probe: manifest.probe,
    probeIn: manifest.probeIn,
    debianPackages: manifest.debianPackages,
    dir,
    manifestFile,
    manifestText,
    publicFiles,
    privateFiles,
    hash: hashFields(fields),
  };
}

export const environmentRef = (pkg: EnvironmentPackage): EnvironmentRef => ({
  name: pkg.name,
  version: pkg.version,
  hash: pkg.hash,
});

/** The path of a package's folder as the user would write it, for messages. */
export const displayDir = (pkg: EnvironmentPackage, cwd = process.cwd()) => relative(cwd, pkg.dir) || '.';
