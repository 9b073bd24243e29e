// Reads a run configuration (YAML or JSON), validates it against schemas/config.schema.json and fills defaults.
// Every failure is a ConfigError naming the file and the offending field; the CLI maps it to exit code 2.
import { resolveAdapter } from '../training/adapter-ref.js';
import { resolveModelPath } from '../inference/model-path.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { EnvironmentCatalog } from '../environments/catalog.js';
import { EnvironmentError } from '../environments/package.js';
import { schemaId, validateWith } from '../schemas/registry.js';
import type { FamilyPlan, RunConfig } from './run-config.js';

export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(readonly file: string, readonly problems: string[]) {
    super(`invalid config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses text as YAML (a superset of JSON); syntax errors name their line and column. */
export function parseConfigText(text: string, file: string): unknown {
  if (text.trim() === '') throw new ConfigError(file, ['the file is empty: a config is a YAML or JSON mapping (see examples/quickstart.yaml)']);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(file, doc.errors.map((e) => e.message.split('\n')[0]));
  try {
    // The yaml library refuses documents whose aliases expand past its limit (a "billion laughs" alias bomb).
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    throw new ConfigError(file, [`cannot expand the YAML: ${(error as Error).message}`]);
  }
}

/** Configs are hand-written files of a few kilobytes; anything much larger is a wrong file, not a config. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** The config file's text, or a ConfigError saying why it is not one: missing, a directory, too large, binary. */
function readConfigText(file: string): string {
  let bytes: Buffer;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new ConfigError(file, ['is a directory, not a config file']);
    // A FIFO or device reports no size and may never end: only regular files are read.
    if (!stat.isFile()) throw new ConfigError(file, ['is not a regular file']);
    if (stat.size > MAX_CONFIG_BYTES) {
      throw new ConfigError(file, [`is ${(stat.size / 1024 / 1024).toFixed(1)} MiB; a config is at most ${MAX_CONFIG_BYTES / 1024 / 1024} MiB (is this the right file?)`]);
    }
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(file, [`cannot read file: ${(error as Error).message}`]);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new ConfigError(file, [`is not text (a NUL byte at offset ${nul}): a config is a YAML or JSON file`]);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(file, ['is not UTF-8 text: a config is a YAML or JSON file']);
  }
}

/**
 * Validates and fills defaults. `environments` paths are read relative to `baseDir` (the config file's folder);
 * the packages they hold, and the built-in ones, must load, and every family must name one of them. Evaluation
 * files are read relative to it too, and hashed.
 */
export function validateConfig(value: unknown, file: string, baseDir = process.cwd(), extraEnvDirs: string[] = []): RunConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new ConfigError(file, [`the top level is ${what}; a config is a mapping of settings (name, families, episodesPerTask, ...)`]);
  }
  // The registry's Ajv fills schema defaults in place; validate a copy so the caller's value stays as written.
  const config = structuredClone(value);
  const problems = validateWith(schemaId('config'), config);
  if (problems.length > 0) throw new ConfigError(file, problems);
  const raw = config as RawConfig;
  const rules: string[] = [];
  if (raw.acceptance.minPassRate > raw.acceptance.maxPassRate) {
    rules.push('/acceptance/minPassRate must not exceed /acceptance/maxPassRate');
  }
  if (raw.model.engine === 'openai' && (raw.model.adapter !== undefined || raw.model.adapterScale !== undefined)) {
    rules.push('/model/adapter: a LoRA adapter applies to the embedded engine only (a server loads its own)');
  }
  if (raw.model.adapterScale !== undefined && raw.model.adapter === undefined) rules.push('/model/adapterScale needs /model/adapter');
  if (raw.model.engine !== 'openai' && raw.model.concurrency !== undefined && raw.model.concurrency > 1) {
    rules.push(`/model/concurrency ${raw.model.concurrency}: the embedded engine serves one call at a time; set it only with engine: openai`);
  }
  const environments = [...new Set([...raw.environments.map((dir) => resolve(baseDir, dir)), ...extraEnvDirs.map((d) => resolve(d))])];
  let catalog: EnvironmentCatalog;
  try {
    catalog = new EnvironmentCatalog(environments);
  } catch (error) {
    if (error instanceof EnvironmentError) throw new ConfigError(file, error.problems.map((p) => `/environments: ${error.file}: ${p}`));
    throw new ConfigError(file, [`/environments: ${(error as Error).message}`]);
  }
  const families = familyPlans(raw, rules);
  const seen = new Set<string>();
  families.forEach(({ plan, at }) => {
    if (seen.has(plan.name)) rules.push(`${at.name} "${plan.name}" is listed twice; give one entry several tiers instead`);
    seen.add(plan.name);
    const broken = catalog.broken.get(plan.name);
    if (broken) {
      rules.push(...broken.problems.map((p) => `${at.name} "${plan.name}": ${broken.file}: ${p}`));
    } else if (!catalog.names().includes(plan.name)) {
      rules.push(`${at.name} "${plan.name}" is not an environment package here (known: ${catalog.names().join(', ')})`);
    } else {
      const pkg = catalog.get(plan.name);
      at.tiers.forEach((tier, i) => {
        if (tier > pkg.maxTier) rules.push(`${at.tier}/${i} environment ${pkg.name} has tiers 0..${pkg.maxTier}, not ${tier}`);
      });
    }
  });
  const evaluationFiles = raw.decontamination.files.map((name, i) => {
    const path = resolve(baseDir, name);
    try {
      return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
    } catch (error) {
      rules.push(`/decontamination/files/${i} cannot read evaluation file ${path}: ${(error as Error).message}`);
      return { path, sha256: '' };
    }
  });
  if (rules.length > 0) throw new ConfigError(file, rules);
  const { family: _f, tiers: _t, tasksPerTier: _n, ...rest } = raw;
  return {
    ...rest,
    environments,
    families: families.map((f) => f.plan),
    decontamination: { ngram: raw.decontamination.ngram, files: evaluationFiles },
  };
}

/** The config as the schema admits it: either `families`, or the one-family shorthand. */
type RawConfig = Omit<RunConfig, 'families' | 'decontamination'> & {
  family?: string;
  tiers?: number[];
  tasksPerTier?: number;
  families?: Array<Omit<FamilyPlan, 'seed'> & { seed?: number }>;
  decontamination: { files: string[]; ngram: number };
};

/** Where a family's fields are in the config as written (and its tiers as written), for messages. */
interface FamilyPaths {
  name: string;
  tier: string;
  tiers: number[];
}

/** Each family's plan with the config paths it came from; problems of form go to `rules`. */
function familyPlans(raw: RawConfig, rules: string[]): Array<{ plan: FamilyPlan; at: FamilyPaths }> {
  const shorthand = raw.family !== undefined || raw.tiers !== undefined || raw.tasksPerTier !== undefined;
  if (shorthand && raw.families) {
    rules.push('/families cannot be combined with /family, /tiers or /tasksPerTier (the one-family shorthand)');
    return [];
  }
  if (!raw.families) {
    const missing = ['family', 'tiers', 'tasksPerTier'].filter((k) => raw[k as keyof RawConfig] === undefined);
    if (missing.length > 0) {
      rules.push(`/families is missing (or give the one-family shorthand: /${missing.join(', /')} missing)`);
      return [];
    }
    const plan = { name: raw.family!, tiers: sortedTiers(raw.tiers!), tasksPerTier: raw.tasksPerTier!, seed: raw.seed };
    return [{ plan, at: { name: '/family', tier: '/tiers', tiers: raw.tiers! } }];
  }
  return raw.families.map((f, i) => {
    const at = `/families/${i}`;
    if ((f.tasks === undefined) === (f.tasksPerTier === undefined)) {
      rules.push(`${at} needs exactly one of tasks (adaptive tiers) and tasksPerTier (fixed)`);
    }
    return { plan: { ...f, tiers: sortedTiers(f.tiers), seed: f.seed ?? raw.seed }, at: { name: `${at}/name`, tier: `${at}/tiers`, tiers: f.tiers } };
  });
}

const sortedTiers = (tiers: number[]) => [...new Set(tiers)].sort((a, b) => a - b);

/** Reads, validates and completes a config file; `extraEnvDirs` (--env-dir) join its `environments`. */
export function loadConfig(file: string, extraEnvDirs: string[] = []): RunConfig {
  const text = readConfigText(file);
  const config = validateConfig(parseConfigText(text, file), file, dirname(file), extraEnvDirs);
  if (config.model.path !== undefined) {
    // A model path in a config file is read relative to that file, like every path a config names.
    config.model.path = resolve(dirname(file), config.model.path);
    if (!existsSync(config.model.path)) throw new ConfigError(file, [`/model/path no model file at ${config.model.path}`]);
  }
  if (config.model.adapter !== undefined) {
    try {
      config.model.adapter = resolveAdapter(config.model.adapter, dirname(file), () => config.model.path ?? resolveModelPath());
    } catch (error) {
      throw new ConfigError(file, [`/model/adapter ${(error as Error).message}`]);
    }
  }
  return config;
}
