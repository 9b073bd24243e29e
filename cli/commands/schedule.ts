// `tasksynth schedule <create|list|describe|pause|unpause|trigger|update|delete>`: scheduled synthesis jobs, kept by
// Temporal Schedules. Each firing is its own run; a worker with the store, the model and Docker runs it.
import type { CommandModule } from 'yargs';
import { scheduleCreateCommand } from './schedule/create.js';
import { scheduleDeleteCommand } from './schedule/delete.js';
import { scheduleDescribeCommand } from './schedule/describe.js';
import { scheduleListCommand } from './schedule/list.js';
import { schedulePauseCommand, scheduleUnpauseCommand } from './schedule/pause.js';
import { scheduleTriggerCommand } from './schedule/trigger.js';
import { scheduleUpdateCommand } from './schedule/update.js';

export const scheduleCommand: CommandModule = {
  command: 'schedule <command>',
  describe: 'Scheduled synthesis jobs (Temporal Schedules): create, list, describe, pause, unpause, trigger, update, delete',
  builder: (y) =>
    y
      .command(scheduleCreateCommand)
      .command(scheduleListCommand)
      .command(scheduleDescribeCommand)
      .command(schedulePauseCommand)
      .command(scheduleUnpauseCommand)
      .command(scheduleTriggerCommand)
      .command(scheduleUpdateCommand)
      .command(scheduleDeleteCommand)
      .demandCommand(1),
  handler: () => undefined,
};
