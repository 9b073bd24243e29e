// The environment packages a process knows: the built-in ones (environments/<name>/) and a user's own folders
// (`environments:` in a run config, `--env-dir` on the command line). Each extra path is a package folder or a
// folder of package folders; both load exactly like a built-in package.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { projectRoot } from '../config/paths.js';
import type { EnvironmentRef } from '../schemas/types.js';
import { EnvironmentError, loadEnvironment, MANIFEST_FILE, type EnvironmentPackage } from './package.js';

export const builtinEnvironmentsDir = () => join(projectRoot(), 'environments');

/** The package folders at `path`: itself when it holds a manifest, else its subfolders that do. */
export function packageDirs(path: string): string[] {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new EnvironmentError(dir, ['the environments folder does not exist']);
  if (existsSync(join(dir, MANIFEST_FILE))) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
    .map((e) => join(dir, e.name))
    .filter((d) => existsSync(join(d, MANIFEST_FILE)))
    .sort();
}

/** How long a package read from disk by resolve() is taken as current. */
const RECHECK_MS = 2_000;

export class EnvironmentCatalog {
  private readonly byName = new Map<string, EnvironmentPackage>();
  /** When resolve() last read each package from disk and found the hash asked for. */
  private readonly checkedAt = new Map<string, number>();
  /**
   * Package folders that failed to load, by folder name. One broken package does not stop the others: asking for
   * it (by its folder's name) throws its error, and `envs list` / `envs check` report it.
   */
  readonly broken = new Map<string, EnvironmentError>();

  /** Loads the built-in packages and those under `extraDirs`; a name given twice by different folders is an error. */
  constructor(readonly extraDirs: string[] = []) {
    for (const dir of [...packageDirs(builtinEnvironmentsDir()), ...extraDirs.flatMap(packageDirs)]) {
      let pkg: EnvironmentPackage;
      try {
        pkg = loadEnvironment(dir);
      } catch (error) {
        if (!(error instanceof EnvironmentError)) throw error;
        this.broken.set(basename(dir), error);
        continue;
      }
      const earlier = this.byName.get(pkg.name);
      if (earlier && earlier.dir !== pkg.dir) {
        throw new EnvironmentError(pkg.manifestFile, [`/name "${pkg.name}" is already the name of the package in ${earlier.dir}`]);
      }
      this.byName.set(pkg.name, pkg);
    }
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  all(): EnvironmentPackage[] {
    return this.names().map((n) => this.byName.get(n)!);
  }

  get(name: string): EnvironmentPackage {
    const pkg = this.byName.get(name);
    const broken = this.broken.get(name);
    if (!pkg && broken) throw broken;
    if (!pkg) throw new Error(`unknown environment "${name}" (known: ${this.names().join(', ')}); add its folder with --env-dir or \`environments:\` in the config`);
    return pkg;
  }

  /**
   * The package a task was made from, read again from disk so an edited folder is noticed: a hash that differs
   * means this process holds other files than the run used (another version, or workers out of step).
   */
  resolve(ref: EnvironmentRef): EnvironmentPackage {
    const known = this.get(ref.name);
    // Read at most once per RECHECK_MS: every sandbox call of every episode asks, and reading and hashing a
    // package costs ~5 ms, more than a warm sandbox's whole handover. An edit is still noticed, that much later.
    const checked = this.checkedAt.get(ref.name);
    if (checked !== undefined && known.hash === ref.hash && performance.now() - checked < RECHECK_MS) return known;
    const pkg = loadEnvironment(known.dir);
    if (pkg.hash !== ref.hash) {
      throw new Error(
        `environment ${ref.name} in ${pkg.dir} has content hash ${pkg.hash.slice(0, 12)} but the run uses ${ref.hash.slice(0, 12)}: ` +
          'its files changed since the run started, or workers hold different versions',
      );
    }
    this.byName.set(pkg.name, pkg);
    this.checkedAt.set(pkg.name, performance.now());
    return pkg;
  }
}
