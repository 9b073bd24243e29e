// `tasksynth envs list`: the environment packages, with their tools, tiers and content hash.
import Table from 'cli-table3';
import type { CommandModule } from 'yargs';
import { EnvironmentCatalog } from '../../../environments/catalog.js';
import { displayDir } from '../../../environments/package.js';
import { envDirOption } from '../../environment-host.js';

interface ListArgs {
  'env-dir'?: string[];
}

const style = process.stdout.isTTY ? {} : { head: [], border: [] };

export const envsListCommand: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'List the environment packages (built-in and --env-dir)',
  builder: (y) => y.option('env-dir', envDirOption) as never,
  handler: (args) => {
    const table = new Table({ head: ['name', 'version', 'tiers', 'tools', 'hash', 'folder'], style });
    const catalog = new EnvironmentCatalog(args['env-dir'] ?? []);
    for (const pkg of catalog.all()) {
      table.push([pkg.name, pkg.version, `0..${pkg.maxTier}`, pkg.tools.map((t) => t.name).join(', '), pkg.hash.slice(0, 12), displayDir(pkg)]);
    }
    console.log(table.toString());
    for (const [folder, error] of catalog.broken) console.error(`${folder}: BROKEN, not loaded: ${error.message}`);
    if (catalog.broken.size > 0) process.exitCode = 2;
  },
};
