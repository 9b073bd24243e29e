// `tasksynth adapters`: the LoRA adapters `tasksynth train` registered in this state directory's store, with what
// each was trained on and how.
import { existsSync } from 'node:fs';
import Table from 'cli-table3';
import type { CommandModule } from 'yargs';
import { statePaths } from '../../config/paths.js';
import { Store } from '../../data/store.js';
import { tableStyle } from '../summary-table.js';

export const adaptersCommand: CommandModule = {
  command: 'adapters',
  describe: 'List the registered LoRA adapters',
  handler: () => {
    const database = statePaths.database();
    if (!existsSync(database)) {
      console.log(`no adapters: no tasksynth database at ${database}`);
      return;
    }
    const store = Store.open(database);
    try {
      const adapters = store.adapters.list();
      if (adapters.length === 0) {
        console.log('no adapters registered (tasksynth train --name NAME registers one)');
        return;
      }
      const table = new Table({ head: ['name', 'file', 'base (sha256)', 'data', 'steps', 'loss first → last', 'trained'], style: tableStyle() });
      for (const a of adapters) {
        table.push([
          a.name, a.path, a.baseSha256.slice(0, 12),
          `${a.data.lines} steps of ${a.data.taskIds.length} tasks, ${a.data.labelTokens} tokens; runs ${a.data.runs.join(', ')}`,
          a.losses.length, `${a.losses[0] ?? '-'} → ${a.losses.at(-1) ?? '-'}`, a.createdAt,
        ]);
      }
      console.log(table.toString());
    } finally {
      store.close();
    }
  },
};
