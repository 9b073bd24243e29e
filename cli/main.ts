#!/usr/bin/env node
// The tasksynth command line: one yargs command module per file in cli/commands/.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError } from '../config/load-config.js';
import { EnvironmentError } from '../environments/package.js';
import { UsageError } from '../core/usage-error.js';
import { failureMessage } from '../workflows/failure-message.js';
import { adaptersCommand } from './commands/adapters.js';
import { envsCommand } from './commands/envs.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { loopCommand } from './commands/loop.js';
import { replayCommand } from './commands/replay.js';
import { runCommand } from './commands/run.js';
import { scheduleCommand } from './commands/schedule.js';
import { trainCommand } from './commands/train.js';
import { workerCommand } from './commands/worker.js';

try {
  await yargs(hideBin(process.argv))
    .scriptName('tasksynth')
    .command(runCommand)
    .command(envsCommand)
    .command(exportCommand)
    .command(workerCommand)
    .command(replayCommand)
    .command(scheduleCommand)
    .command(trainCommand)
    .command(evalCommand)
    .command(loopCommand)
    .command(adaptersCommand)
    .demandCommand(1)
    .strict()
    .fail((message, error) => {
      // yargs reports its own usage checks as a YError, and a .check() rule's text as the error itself (a string):
      // both are usage errors, exit 2. Anything else is a real failure of a command.
      if (error instanceof Error && error.name !== 'YError') throw error;
      console.error(`tasksynth: ${message ?? (error instanceof Error ? error.message : String(error))} (see tasksynth --help)`);
      process.exit(2);
    })
    .parseAsync();
} catch (error) {
  if (error instanceof ConfigError || error instanceof EnvironmentError || error instanceof UsageError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  console.error(`tasksynth: ${failureMessage(error)}`);
  process.exit(1);
}
