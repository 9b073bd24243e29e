// Replays histories recorded by real runs (tests/fixtures/histories) against the current workflow code. A change
// to a workflow that would break runs already in flight fails here; such a change needs `patched()`.
// To record new fixtures: tasksynth replay --workflow-id <id> --save tests/fixtures/histories/<file>.json
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { projectRoot } from '../../config/paths.js';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { workflowBundleOption } from '../../worker/workflow-bundle.js';

const dir = join(projectRoot(), 'tests', 'fixtures', 'histories');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ file: string; workflowId: string }>;

installRuntimeLogging();

test('there is a recorded history of each workflow type', () => {
  const types = manifest.map(({ file }) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  });
  assert.deepEqual(new Set(types), new Set(['synthesisRun', 'familyRun', 'buildEnvironment', 'calibrateTask', 'agentEpisode']));
});

for (const { file, workflowId } of manifest) {
  test(`the current workflow code replays ${workflowId}`, async () => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    await Worker.runReplayHistory(workflowBundleOption(), history, workflowId);
  });
}

test('replay under another workflow id fails: the check can fail', async () => {
  const { file } = manifest.find((m) => m.workflowId.startsWith('synthesis/'))!;
  const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  await assert.rejects(Worker.runReplayHistory(workflowBundleOption(), history, 'synthesis/another-run'), /[Nn]ondeterminism/);
});
