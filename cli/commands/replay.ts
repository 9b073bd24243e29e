// `tasksynth replay`: replays recorded workflow histories against the current workflow code, to debug a run or to
// check that a code change is still deterministic. One workflow (--workflow-id; its history from the Temporal
// service, or from a JSON file: --history, as written by --save or `temporal workflow show -o json`), optionally
// shown step by step (--steps); or every workflow of a run (--run), listing those that no longer reproduce.
// The workflow id is needed either way: tasksynth's workflows derive their children's ids from their own.
import { readFileSync, writeFileSync } from 'node:fs';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import type { CommandModule } from 'yargs';
import { historySteps, renderHistorySteps } from '../../client/history-steps.js';
import { runWorkflowId, runWorkflowIdPrefixes } from '../../core/ids.js';
import { withTemporalClient } from '../temporal-client.js';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { workflowBundleOption } from '../../worker/workflow-bundle.js';

interface ReplayArgs {
  'workflow-id'?: string;
  run?: string;
  history?: string;
  save?: string;
  steps?: boolean;
}

/** Every workflow of a run against the current code; prints those that no longer reproduce. */
async function replayRun(runId: string): Promise<void> {
  const query = [`WorkflowId = ${JSON.stringify(runWorkflowId(runId))}`, ...runWorkflowIdPrefixes(runId).map((p) => `WorkflowId STARTS_WITH ${JSON.stringify(p)}`)].join(' OR ');
  const broken: string[] = [];
  let replayed = 0;
  await withTemporalClient(async (client) => {
    const histories = client.workflow.list({ query }).intoHistories();
    for await (const result of Worker.runReplayHistories(workflowBundleOption(), histories)) {
      replayed++;
      if (result.error) broken.push(`${result.workflowId}: ${result.error.message.split('\n')[0]}`);
    }
  });
  if (replayed === 0) throw new Error(`no workflow of run ${runId} is recorded on this Temporal service`);
  if (broken.length > 0) {
    console.log(`${broken.length} of ${replayed} workflows of run ${runId} no longer reproduce:\n  ${broken.join('\n  ')}`);
    process.exitCode = 1;
    return;
  }
  console.log(`replayed ${replayed} workflows of run ${runId}: the current workflow code reproduces every one`);
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay',
  describe: 'Replay recorded workflow histories against the current workflow code, optionally step by step',
  builder: (y) =>
    y
      .option('workflow-id', { type: 'string', describe: 'the workflow (e.g. synthesis/<run id>, episode/<run id>/<task>/model/0)' })
      .option('run', { type: 'string', describe: 'replay every workflow of this run and list those that no longer reproduce' })
      .option('history', { type: 'string', describe: 'read its history from this JSON file instead of from Temporal' })
      .option('save', { type: 'string', describe: 'also write the fetched history to this JSON file' })
      // No default: yargs counts a defaulted option as given, which would make --run always conflict with it.
      .option('steps', { type: 'boolean', describe: 'show the history step by step: model calls, tool calls, probe, verdict, children' })
      .conflicts('history', 'save')
      .conflicts('run', ['workflow-id', 'history', 'save', 'steps'])
      .check((a) => Boolean(a['workflow-id'] || a.run) || 'give --workflow-id (one workflow) or --run (every workflow of a run)') as never,
  handler: async (args) => {
    installRuntimeLogging();
    if (args.run) return replayRun(args.run);
    const workflowId = args['workflow-id']!;
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
      history = await withTemporalClient((client) => client.workflow.getHandle(workflowId).fetchHistory());
      if (args.save) writeFileSync(args.save, historyToJSON(history));
    }
    if (args.steps) console.log(`${workflowId}, step by step:\n${renderHistorySteps(historySteps(history))}\n`);
    await Worker.runReplayHistory(workflowBundleOption(), history, workflowId);
    console.log(`replayed ${history.events?.length ?? 0} events: the current workflow code reproduces this history`);
  },
};
