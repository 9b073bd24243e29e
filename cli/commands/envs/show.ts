// `tasksynth envs show NAME`: one package in full: description, tiers, tools with their parameters, programs.
import type { CommandModule } from 'yargs';
import { EnvironmentCatalog } from '../../../environments/catalog.js';
import { describeTool } from '../../../inference/prompt.js';
import { envDirOption } from '../../environment-host.js';

interface ShowArgs {
  name: string;
  'env-dir'?: string[];
}

export const envsShowCommand: CommandModule<object, ShowArgs> = {
  command: 'show <name>',
  describe: 'Show one environment package',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }).option('env-dir', envDirOption) as never,
  handler: (args) => {
    const pkg = new EnvironmentCatalog(args['env-dir'] ?? []).get(args.name);
    const lines = [
      `${pkg.name} ${pkg.version}: ${pkg.description}`,
      `folder   ${pkg.dir}`,
      `hash     ${pkg.hash}`,
      `programs generator ${pkg.generator}, setup ${pkg.setup}, probe ${pkg.probe} (private: the agent cannot read them)`,
      `packages ${pkg.debianPackages.length > 0 ? pkg.debianPackages.join(', ') : '(none beyond the base image)'}`,
      'tiers',
      ...pkg.tiers.map((t) => `  ${t.tier}  ${t.description}`),
      'tools',
      ...pkg.tools.map((t) => `  ${describeTool(t).replace(/\n/g, '\n  ')}${t.mutates ? '  [changes state]' : ''}\n      argv: ${t.argv.join(' ')}`),
    ];
    console.log(lines.join('\n'));
  },
};
