// `tasksynth envs <list|show|try|check>`: environment packages, and vetting them before any run uses them.
import type { CommandModule } from 'yargs';
import { envsCheckCommand } from './envs/check.js';
import { envsListCommand } from './envs/list.js';
import { envsShowCommand } from './envs/show.js';
import { envsTryCommand } from './envs/try.js';

export const envsCommand: CommandModule = {
  command: 'envs <command>',
  describe: 'List, show, try and check environment packages',
  builder: (y) =>
    y
      .command(envsListCommand)
      .command(envsShowCommand)
      .command(envsTryCommand)
      .command(envsCheckCommand)
      .demandCommand(1),
  handler: () => undefined,
};
