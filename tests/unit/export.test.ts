// Export writes schema-valid OpenAI chat JSONL, and nothing at all when any line would be invalid.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportOpenAIChat } from '../../data/export/openai-chat.js';
import { Store } from '../../data/store.js';
import { schemaId, validateWith } from '../../schemas/registry.js';
import type { EpisodeRecord, TaskSpec } from '../../schemas/types.js';
import { sampleTask } from '../helpers/sample-task.js';

function task(index: number, toolName = 'bash'): TaskSpec {
  return sampleTask({
    id: `files/2/3/${index}`,
    tier: 2,
    seed: 3,
    index,
    tools: [
      {
        name: toolName,
        description: 'Run a shell command',
        parameters: { type: 'object', required: ['cmd'], properties: { cmd: { type: 'string' } } },
      },
      { name: 'submit', description: 'Finish', parameters: { type: 'object', properties: {} } },
    ],
  });
}

function passingModelEpisode(t: TaskSpec, runId: string, index: number): EpisodeRecord {
  return {
    id: `${t.id}/model/${index}`,
    runId,
    taskId: t.id,
    policy: 'model',
    index,
    messages: [
      { role: 'system', content: 'You are an agent.' },
      { role: 'user', content: t.prompt },
      { role: 'assistant', toolCall: { name: t.tools[0].name, arguments: { cmd: 'echo apple > notes.txt' } }, callId: 'call_0' },
      { role: 'tool', callId: 'call_0', name: t.tools[0].name, content: '' },
      { role: 'assistant', toolCall: { name: 'submit', arguments: {} }, callId: 'call_1' },
    ],
    steps: [],
    outcome: { submitted: {}, state: {} },
    verdict: { passed: true, errors: [] },
  };
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tasksynth-export-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function seed(store: Store, runId: string, tasks: TaskSpec[]): void {
  store.upsertRun({ id: runId, name: runId, config: {} });
  for (const t of tasks) {
    store.upsertTask(runId, t);
    store.saveEpisode(passingModelEpisode(t, runId, 0));
    store.saveEpisode(passingModelEpisode(t, runId, 1));
    store.saveTaskResult(runId, { taskId: t.id, passRate: 0.5, episodes: 2, passed: 2, accepted: true, reason: null });
  }
}

test('export writes one schema-valid line per accepted trajectory, with tool_calls and tools', async () => {
  const store = Store.open(join(dir, 'ok.db'));
  try {
    seed(store, 'run-ok', [task(0), task(1)]);
    const out = join(dir, 'out', 'deeper', 'train.jsonl');
    const result = await exportOpenAIChat(store, out, { runId: 'run-ok' });
    assert.equal(result.lines, 4);
    assert.equal(result.file, out);

    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 4);
    for (const text of lines) {
      const line = JSON.parse(text);
      assert.deepEqual(validateWith(schemaId('openai-chat-line'), line), []);
      assert.equal(line.tools.length, 2);
      assert.deepEqual(line.tools[0], {
        type: 'function',
        function: {
          name: 'bash',
          description: 'Run a shell command',
          parameters: { type: 'object', required: ['cmd'], properties: { cmd: { type: 'string' } } },
        },
      });
      const call = line.messages[2];
      assert.equal(call.role, 'assistant');
      assert.equal(call.content, null);
      assert.deepEqual(call.tool_calls, [
        { id: 'call_0', type: 'function', function: { name: 'bash', arguments: '{"cmd":"echo apple > notes.txt"}' } },
      ]);
      assert.deepEqual(line.messages[3], { role: 'tool', tool_call_id: 'call_0', content: '' });
      assert.equal(line.metadata.run_id, 'run-ok');
      assert.equal(line.metadata.family, 'files');
      assert.equal(line.metadata.tier, 2);
    }
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).metadata.episode_id),
      ['files/2/3/0/model/0', 'files/2/3/0/model/1', 'files/2/3/1/model/0', 'files/2/3/1/model/1'],
    );
    // No temp files left beside the output.
    assert.deepEqual(readdirSync(join(dir, 'out', 'deeper')), ['train.jsonl']);
  } finally {
    store.close();
  }
});

test('an invalid line makes export throw, naming the episode, and leaves no output file', async () => {
  const store = Store.open(join(dir, 'bad.db'));
  try {
    // A tool name with a space is not a valid OpenAI function name; it is the second task, so a good line precedes it.
    seed(store, 'run-bad', [task(0), task(1, 'run shell')]);
    const outDir = join(dir, 'bad-out');
    const out = join(outDir, 'train.jsonl');
    await assert.rejects(exportOpenAIChat(store, out, { runId: 'run-bad' }), (err: Error) => {
      assert.match(err.message, /episode files\/2\/3\/1\/model\/0/);
      assert.match(err.message, /\/tools\/0\/function\/name must match pattern/);
      assert.match(err.message, /\/messages\/2\/tool_calls\/0\/function\/name must match pattern/);
      return true;
    });
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(outDir), []);
  } finally {
    store.close();
  }
});
