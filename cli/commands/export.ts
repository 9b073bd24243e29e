// `tasksynth export --format openai-chat --out FILE`: accepted trajectories as training data.
import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { statePaths } from '../../config/paths.js';
import { exportOpenAIChat } from '../../data/export/openai-chat.js';
import { Store } from '../../data/store.js';
import { checkOutputFile } from '../output-file.js';

interface ExportArgs {
  format: 'openai-chat';
  out: string;
  run?: string;
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'Export accepted trajectories as training data',
  builder: (y) =>
    y
      .option('format', { choices: ['openai-chat'] as const, default: 'openai-chat' as const, describe: 'output format' })
      .option('out', { type: 'string', demandOption: true, describe: 'output file (JSONL)' })
      .option('run', { type: 'string', describe: 'only this run id (default: every run)' }) as never,
  handler: async (args) => {
    checkOutputFile(args.out, '--out');
    const database = statePaths.database();
    if (!existsSync(database)) throw new Error(`no tasksynth database at ${database} (is TASKSYNTH_HOME right? has a run finished?)`);
    const store = Store.open(database);
    try {
      if (args.run && !store.getRun(args.run)) throw new Error(`no run ${args.run} in ${database}`);
      const { lines, file } = await exportOpenAIChat(store, args.out, { runId: args.run });
      console.log(`wrote ${lines} trajectories (${args.format}) to ${file}`);
    } finally {
      store.close();
    }
  },
};
