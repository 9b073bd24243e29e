// The step-by-step view of a recorded history (`tasksynth replay --steps`), over an episode recorded by a real run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { historySteps, renderHistorySteps } from '../../client/history-steps.js';
import { projectRoot } from '../../config/paths.js';

const dir = join(projectRoot(), 'tests', 'fixtures', 'histories');
const load = (file: string) => historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));

test('an episode reads as its model calls, tool calls, probe and verdict, in order, with sizes, outputs and times', () => {
  const history = load('agent-episode.json');
  const steps = historySteps(history);
  const kinds = steps.map((s) => s.kind);
  const models = steps.filter((s) => s.kind === 'model');
  const tools = steps.filter((s) => s.kind === 'tool');
  assert.ok(models.length >= 1, 'the episode made model calls');
  // Every call but the last (submit) ran as a tool call after the model call that chose it.
  assert.equal(tools.length, models.length - 1);
  assert.ok(kinds.indexOf('probe') > kinds.lastIndexOf('model'), 'the probe reads the sandbox after the last model call');
  assert.ok(kinds.indexOf('verdict') > kinds.indexOf('probe'));
  assert.equal(kinds.at(-1), 'end');
  for (const m of models) {
    assert.match(m.details[0], /^prompt: \d+ messages, \d+ characters$/);
    assert.match(m.details[1], /^output: \{"tool": ?"/);
    assert.match(m.details[2], /^model time: \d+\.\d\d s$/);
  }
  for (const t of tools) {
    assert.match(t.title, /^tool \w+$/);
    assert.match(t.details[0], /^arguments: \{/);
    assert.match(t.details[1], /^result: \[exit \d+/);
  }
  // The prompt grows as the conversation does.
  const sizes = models.map((m) => Number(/(\d+) characters/.exec(m.details[0])![1]));
  assert.deepEqual([...sizes].sort((a, b) => a - b), sizes);
  // Offsets follow the history's own clock.
  const offsets = steps.map((s) => s.atMs);
  assert.deepEqual([...offsets].sort((a, b) => a - b), offsets);
  assert.ok(steps.every((s) => s.durationMs === null || s.durationMs >= 0));

  const text = renderHistorySteps(steps);
  assert.match(text, /^ {2}1\. \[\+\d+\.\d\d s\] /);
  assert.match(text, /model call \(\d+\.\d\d s\)\n {7}prompt: /);
  assert.match(text, /verdict: (PASSED|failed)/);
});

test('a model call that reports token usage shows prompt tokens evaluated and reused, and tokens generated', () => {
  // The fixture predates usage: add it to every model step's recorded result, as the engines now return it.
  const json = JSON.parse(readFileSync(join(dir, 'agent-episode.json'), 'utf8'));
  let patchedSteps = 0;
  for (const e of json.events) {
    const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
    if (!payload?.data) continue;
    const value = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
    if (!value?.step?.raw) continue;
    value.step.usage = { promptTokens: 700, evaluatedTokens: 120, completionTokens: 31 };
    payload.data = Buffer.from(JSON.stringify(value)).toString('base64');
    patchedSteps++;
  }
  assert.ok(patchedSteps >= 1);
  const models = historySteps(historyFromJSON(json)).filter((s) => s.kind === 'model');
  assert.equal(models.length, patchedSteps);
  for (const m of models) assert.equal(m.details[3], 'tokens: 700 prompt (120 evaluated, 580 reused), 31 generated');
  // A valid step without usage shows its prompt, output and time only: no tokens line, no invalid-output lines.
  const plain = historySteps(load('agent-episode.json')).filter((s) => s.kind === 'model');
  for (const m of plain) assert.deepEqual(m.details.map((d) => d.split(':')[0]), ['prompt', 'output', 'model time']);
});

test('a run reads as its child workflows and how it ended', () => {
  const steps = historySteps(load('synthesis-run.json'));
  const children = steps.filter((s) => s.kind === 'child');
  assert.ok(children.length >= 1);
  assert.ok(children.every((c) => /^child familyRun synthesis\/.+\/family\/[\w-]+ completed$/.test(c.title)), children.map((c) => c.title).join('; '));
  assert.equal(steps.at(-1)?.title, 'workflow completed');
});

test('long texts are clipped and say how long they were', () => {
  const steps = historySteps(load('agent-episode.json'), 20);
  const model = steps.find((s) => s.kind === 'model')!;
  assert.match(model.details[1], /^output: .{20}\.\.\. \(\d+ chars\)$/);
});
