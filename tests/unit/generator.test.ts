import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTasks, MAX_TIER } from '../../families/files/generator.js';
import { compileSchema } from '../../schemas/registry.js';
import { SUBMIT_TOOL } from '../../schemas/types.js';

test('the same seed yields the same tasks', () => {
  for (let tier = 0; tier <= MAX_TIER; tier++) {
    assert.deepEqual(generateTasks(11, tier, 5), generateTasks(11, tier, 5));
  }
});

test('different seeds yield different tasks', () => {
  const a = generateTasks(1, 1, 6).map((t) => t.prompt);
  const b = generateTasks(2, 1, 6).map((t) => t.prompt);
  assert.notDeepEqual(a, b);
});

test('tasks generated in batches equal tasks generated at once', () => {
  const whole = generateTasks(5, 3, 7);
  const batches = [...generateTasks(5, 3, 3, 0), ...generateTasks(5, 3, 4, 3)];
  assert.deepEqual(batches, whole);
  assert.deepEqual(whole.map((t) => t.index), [0, 1, 2, 3, 4, 5, 6]);
});

test('every task has unique id, tools, a reference ending in submit, and a compilable outcome schema', () => {
  const tasks = [0, 1, 2, 3].flatMap((tier) => generateTasks(3, tier, 10));
  assert.equal(new Set(tasks.map((t) => t.id)).size, tasks.length);
  for (const task of tasks) {
    assert.ok(task.tools.some((t) => t.name === SUBMIT_TOOL), `${task.id} has no submit tool`);
    assert.equal(task.reference.at(-1)?.name, SUBMIT_TOOL, `${task.id} reference does not end with submit`);
    const toolNames = new Set(task.tools.map((t) => t.name));
    for (const call of task.reference) assert.ok(toolNames.has(call.name), `${task.id} uses unknown tool ${call.name}`);
    assert.equal(typeof compileSchema(task.outcomeSchema), 'function');
  }
});

test('the outcome schema accepts the intended final state and rejects the untouched one', () => {
  const [task] = generateTasks(9, 0, 1);
  const { path, content } = task.reference[0].arguments as { path: string; content: string };
  const validate = compileSchema(task.outcomeSchema);
  assert.equal(validate({ submitted: {}, state: { files: { [path]: `${content}\n` } } }), true);
  assert.equal(validate({ submitted: {}, state: { files: {} } }), false);
  assert.equal(validate({ submitted: null, state: { files: { [path]: content } } }), false, 'submit is required');
});

test('an unknown tier is refused with its range', () => {
  assert.throws(() => generateTasks(1, 4, 1), /tier 4 does not exist \(tiers are 0\.\.3\)/);
});
