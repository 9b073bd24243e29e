// Reads a run configuration (YAML or JSON), validates it against schemas/config.schema.json and fills defaults.
// Every failure is a ConfigError naming the file and the offending field; the CLI maps it to exit code 2.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { EnvironmentCatalog } from '../environments/catalog.js';
import { EnvironmentError } from '../environments/package.js';
import { schemaId, validateWith } from '../schemas/registry.js';
import type { RunConfig } from './run-config.js';

export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(readonly file: string, readonly problems: string[]) {
    super(`invalid config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses text as YAML (a superset of JSON); syntax errors name their line and column. */
export function parseConfigText(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(file, doc.errors.map((e) => e.message.split('\n')[0]));
  return doc.toJS();
}

/**
 * Validates and fills defaults. `environments` paths are read relative to `baseDir` (the config file's folder);
 * the packages they hold, and the built-in ones, must load, and `family` must name one of them.
 */
export function validateConfig(value: unknown, file: string, baseDir = process.cwd(), extraEnvDirs: string[] = []): RunConfig {
  // The registry's Ajv fills schema defaults in place; validate a copy so the caller's value stays as written.
  const config = structuredClone(value);
  const problems = validateWith(schemaId('config'), config);
  if (problems.length > 0) throw new ConfigError(file, problems);
  const cfg = config as RunConfig;
  const rules: string[] = [];
  if (cfg.acceptance.minPassRate > cfg.acceptance.maxPassRate) {
    rules.push('/acceptance/minPassRate must not exceed /acceptance/maxPassRate');
  }
  cfg.environments = [...new Set([...cfg.environments.map((dir) => resolve(baseDir, dir)), ...extraEnvDirs.map((d) => resolve(d))])];
  let catalog: EnvironmentCatalog;
  try {
    catalog = new EnvironmentCatalog(cfg.environments);
  } catch (error) {
    if (error instanceof EnvironmentError) throw new ConfigError(file, error.problems.map((p) => `/environments: ${error.file}: ${p}`));
    throw new ConfigError(file, [`/environments: ${(error as Error).message}`]);
  }
  const broken = catalog.broken.get(cfg.family);
  if (broken) throw new ConfigError(file, broken.problems.map((p) => `/family "${cfg.family}": ${broken.file}: ${p}`));
  if (!catalog.names().includes(cfg.family)) {
    rules.push(`/family "${cfg.family}" is not an environment package here (known: ${catalog.names().join(', ')})`);
  } else {
    const pkg = catalog.get(cfg.family);
    cfg.tiers.forEach((tier, i) => {
      if (tier > pkg.maxTier) rules.push(`/tiers/${i} environment ${pkg.name} has tiers 0..${pkg.maxTier}, not ${tier}`);
    });
  }
  if (rules.length > 0) throw new ConfigError(file, rules);
  return cfg;
}

/** Reads, validates and completes a config file; `extraEnvDirs` (--env-dir) join its `environments`. */
export function loadConfig(file: string, extraEnvDirs: string[] = []): RunConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read file: ${(error as Error).message}`]);
  }
  const config = validateConfig(parseConfigText(text, file), file, dirname(file), extraEnvDirs);
  if (config.model.path !== undefined) {
    // A model path in a config file is read relative to that file, like every path a config names.
    config.model.path = resolve(dirname(file), config.model.path);
    if (!existsSync(config.model.path)) throw new ConfigError(file, [`/model/path no model file at ${config.model.path}`]);
  }
  return config;
}
