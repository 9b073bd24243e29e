// The gate plan and judgment (pure), the random policy (seeded, schema-valid) and the guess gate's arithmetic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSchema } from '../../schemas/registry.js';
import { SUBMIT_TOOL, type TaskSpec } from '../../schemas/types.js';
import { gateFailure, nullArguments, planGates, type GateOutcome } from '../../verification/gates.js';
import { guessGate } from '../../verification/guess.js';
import { RandomPolicy } from '../../verification/random-policy.js';
import { sampleTask } from '../helpers/sample-task.js';

const write = { name: 'write_file', description: 'write', parameters: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'], additionalProperties: false } };
const read = { name: 'read_file', description: 'read', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false } };
const answerSubmit = { name: SUBMIT_TOOL, description: 'answer', parameters: { type: 'object', properties: { answer: { type: 'string' }, line: { type: 'integer' } }, required: ['answer', 'line'] } };

const copyTask = (): TaskSpec =>
  sampleTask({
    id: 'unit/files/t2/s1/0', tier: 2, seed: 1, index: 0,
    tools: [read, write, { name: SUBMIT_TOOL, description: 'done', parameters: { type: 'object', properties: {} } }],
    mutatingTools: ['write_file'],
    reference: [
      { name: 'read_file', arguments: { path: 'a' } },
      { name: 'write_file', arguments: { path: 'b', content: 'x' } },
      { name: 'write_file', arguments: { path: 'c', content: 'y' } },
      { name: SUBMIT_TOOL, arguments: {} },
    ],
    mutants: [{ name: 'wrong word', calls: [{ name: SUBMIT_TOOL, arguments: {} }] }],
  });

test('the plan: reference first, one ablation per state-changing step, null, N random rollouts, every mutant', () => {
  const plans = planGates(copyTask(), { randomRollouts: 3, randomSteps: 5 });
  assert.deepEqual(plans.map((p) => p.gate), ['reference', 'ablation', 'ablation', 'null', 'random', 'random', 'random', 'mutant']);
  assert.deepEqual(plans.filter((p) => p.mustPass).map((p) => p.name), ['reference']);
  assert.deepEqual(plans[1].calls!.map((c) => c.name), ['read_file', 'write_file', SUBMIT_TOOL], 'step 1 dropped');
  assert.deepEqual(plans[2].calls![1].arguments, { path: 'b', content: 'x' }, 'step 2 dropped');
  assert.equal(new Set(plans.map((p) => p.name)).size, plans.length, 'names are unique');
});

test('the null policy submits empty values of the right types', () => {
  const task = sampleTask({ id: 't', tier: 0, seed: 0, index: 0, tools: [answerSubmit] });
  assert.deepEqual(nullArguments(task), { answer: '', line: 0 });
});

const outcome = (gate: GateOutcome['gate'], passed: boolean, mustPass = false): GateOutcome => ({ gate, name: gate, mustPass, passed, detail: passed ? 'passed' : 'no', steps: 1 });

test('a task is kept only when the reference passes and every other gate fails', () => {
  const held = [outcome('reference', true, true), outcome('ablation', false), outcome('null', false), outcome('random', false), outcome('mutant', false)];
  assert.equal(gateFailure(held), null);
  assert.match(gateFailure([outcome('reference', false, true)])!, /^reference solution fails/);
  for (const gate of ['ablation', 'null', 'random', 'mutant', 'guess'] as const) {
    const reason = gateFailure([...held.filter((o) => o.gate !== gate), outcome(gate, true)]);
    assert.match(reason!, /^gameable: /, `${gate} passing must reject the task`);
  }
});

test('the random policy is seeded, draws from what tools printed, and its calls fit the schemas', () => {
  const tools = copyTask().tools;
  const calls = (index: number) => {
    const policy = new RandomPolicy('unit/task', index, tools);
    policy.observe('notes.txt\nreport.txt');
    return Array.from({ length: 40 }, () => policy.next());
  };
  assert.deepEqual(calls(0), calls(0));
  assert.notDeepEqual(calls(0), calls(1));
  const all = calls(2);
  for (const call of all) {
    const tool = tools.find((t) => t.name === call.name)!;
    assert.ok(compileSchema(tool.parameters)(call.arguments), `${JSON.stringify(call)} fits ${tool.name}`);
  }
  assert.ok(all.some((c) => c.arguments.path === 'notes.txt' || c.arguments.path === 'report.txt'), 'uses observed words');
  assert.deepEqual(new Set(all.map((c) => c.name)), new Set(['read_file', 'write_file', SUBMIT_TOOL]));
});

const answerTask = (candidates: string[]): TaskSpec =>
  sampleTask({
    id: 'unit/guess', tier: 3, seed: 1, index: 0,
    tools: [{ name: SUBMIT_TOOL, description: 'answer', parameters: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } }],
    reference: [{ name: SUBMIT_TOOL, arguments: { answer: 'b.txt:2' } }],
    outcomeSchema: { type: 'object', properties: { submitted: { type: 'object', properties: { answer: { const: 'b.txt:2' } } } } },
    guess: { field: 'answer', candidates },
  });

test('the guess gate: one right answer among n candidates passes with chance 1/n, bounded at 1%', () => {
  const few = guessGate(answerTask(['a.txt:1', 'b.txt:2', 'c.txt:3']), {})!;
  assert.equal(few.passed, true, 'a 1-in-3 guess is too likely');
  assert.match(few.detail, /1 of 3 candidates pass: chance 33\.33%/);
  const many = Array.from({ length: 150 }, (_, i) => `f${i % 10}.txt:${Math.floor(i / 10) + 1}`).concat(['b.txt:2']);
  const gate = guessGate(answerTask(many), {})!;
  assert.equal(gate.passed, false);
  assert.match(gate.detail, /1 of 151 candidates pass: chance 0\.66%/);
  assert.equal(guessGate(copyTask(), {}), null, 'not an answer task');
  const astray = guessGate(answerTask(['./b.txt:2', 'B.TXT:2']), {})!;
  assert.equal(astray.passed, true, 'candidates that never hold the answer measure nothing: the gate fails');
  assert.match(astray.detail, /none of 2 candidates passes/);
  const numeric = sampleTask({
    id: 'unit/number', tier: 0, seed: 0, index: 0,
    tools: [{ name: SUBMIT_TOOL, description: 'answer', parameters: { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] } }],
    reference: [{ name: SUBMIT_TOOL, arguments: { answer: 4.25 } }],
    outcomeSchema: { type: 'object', properties: { submitted: { type: 'object', properties: { answer: { type: 'number', minimum: 4.245, maximum: 4.255 } } } } },
    guess: { field: 'answer', candidates: Array.from({ length: 1000 }, (_, i) => i / 100) },
  });
  assert.match(guessGate(numeric, {})!.detail, /^1 of 1000 candidates pass: chance 0\.10%/, 'numbers are candidates too');
});

test('random calls respect bounds, lengths, item counts, alternatives and patterns (drawn again until valid)', () => {
  const tricky = {
    name: 'tricky',
    description: 'schema features a random agent must honour',
    parameters: {
      type: 'object',
      properties: {
        r: { type: 'number', minimum: 0, maximum: 1 },
        n: { type: 'integer', exclusiveMinimum: 3, exclusiveMaximum: 6 },
        digits: { type: 'string', pattern: '^[a-z]{2,4}$' },
        long: { type: 'string', minLength: 30 },
        one: { type: 'array', items: { type: 'integer' }, maxItems: 1 },
        either: { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['x', 'y'] }] },
      },
      required: ['r', 'n', 'digits', 'long', 'one', 'either'],
      additionalProperties: false,
    },
  };
  const policy = new RandomPolicy('unit/tricky', 0, [tricky]);
  const validate = compileSchema(tricky.parameters);
  const calls = Array.from({ length: 100 }, () => policy.next());
  const valid = calls.filter((c) => validate(c.arguments)).length;
  assert.ok(valid >= 95, `${valid} of 100 random calls fit the schema`);
});

test('a random rollout that runs out of steps submits at the end, with valid random arguments', () => {
  const task = sampleTask({ id: 'unit/submit', tier: 0, seed: 0, index: 0, tools: [answerSubmit] });
  const call = new RandomPolicy(task.id, 0, task.tools).submit();
  assert.equal(call.name, SUBMIT_TOOL);
  assert.ok(compileSchema(answerSubmit.parameters)(call.arguments));
});
