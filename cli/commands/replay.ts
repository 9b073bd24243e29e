// `tasksynth replay`: replays a recorded workflow history against the current workflow code, to debug a run or
// to check that a code change is still deterministic. The history comes from the Temporal service, or from a
// JSON file (--history, as written by --save or `temporal workflow show -o json`). The workflow id is needed
// either way: tasksynth's workflows derive their children's ids from their own.
import { readFileSync, writeFileSync } from 'node:fs';
import { Client } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import type { CommandModule } from 'yargs';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { connectClient, ensureTemporal } from '../../worker/temporal-server.js';
import { workflowBundleOption } from '../../worker/workflow-bundle.js';

interface ReplayArgs {
  'workflow-id': string;
  history?: string;
  save?: string;
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay',
  describe: 'Replay a recorded workflow history against the current workflow code',
  builder: (y) =>
    y
      .option('workflow-id', { type: 'string', demandOption: true, describe: 'the workflow (e.g. synthesis/<run id>)' })
      .option('history', { type: 'string', describe: 'read its history from this JSON file instead of from Temporal' })
      .option('save', { type: 'string', describe: 'also write the fetched history to this JSON file' })
      .conflicts('history', 'save') as never,
  handler: async (args) => {
    installRuntimeLogging();
    let history;
    if (args.history) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(args.history, 'utf8'));
      } catch (error) {
        throw new Error(`cannot read history ${args.history}: ${(error as Error).message}`);
      }
      history = historyFromJSON(json);
    } else {
      const connection = await connectClient(await ensureTemporal((line) => console.error(line)));
      try {
        const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
        history = await client.workflow.getHandle(args['workflow-id']).fetchHistory();
      } finally {
        await connection.close();
      }
      if (args.save) writeFileSync(args.save, historyToJSON(history));
    }
    await Worker.runReplayHistory(workflowBundleOption(), history, args['workflow-id']);
    console.log(`replayed ${history.events?.length ?? 0} events: the current workflow code reproduces this history`);
  },
};
