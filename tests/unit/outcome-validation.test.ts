// Per-task outcome schemas go through compileSchema: it must accept, reject with paths, cache, and fail loudly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertValid, compileSchema, formatErrors, schemaId, validateWith } from '../../schemas/registry.js';

const outcomeSchema = {
  type: 'object',
  required: ['state'],
  properties: {
    state: {
      type: 'object',
      required: ['files'],
      properties: {
        files: {
          type: 'object',
          required: ['notes.txt'],
          properties: { 'notes.txt': { type: 'string', pattern: '^apple\\n?$' } },
        },
      },
    },
  },
};

/** compileSchema returns ajv's validate function; this turns it into the registry's error strings. */
function check(value: unknown): string[] {
  const validate = compileSchema(outcomeSchema);
  return validate(value) ? [] : formatErrors(validate.errors);
}

test('a valid outcome passes', () => {
  assert.equal(compileSchema(outcomeSchema)({ submitted: null, state: { files: { 'notes.txt': 'apple' } } }), true);
  assert.deepEqual(check({ submitted: null, state: { files: { 'notes.txt': 'apple\n' } } }), []);
  assert.deepEqual(check({ submitted: {}, state: { files: { 'notes.txt': 'apple' } } }), []);
});

test('invalid outcomes fail with errors naming the path', () => {
  assert.equal(compileSchema(outcomeSchema)({ submitted: null, state: { files: {} } }), false);
  const wrong = check({ submitted: null, state: { files: { 'notes.txt': 'pear\n' } } });
  assert.equal(wrong.length, 1);
  assert.match(wrong[0], /^\/state\/files\/notes\.txt must match pattern/);

  const missing = check({ submitted: null, state: { files: {} } });
  assert.deepEqual(missing, ["/state/files must have required property 'notes.txt'"]);

  const noState = check({ submitted: null });
  assert.deepEqual(noState, ["/ must have required property 'state'"]);
});

test('identical schemas are compiled once', () => {
  assert.equal(compileSchema(outcomeSchema), compileSchema(JSON.parse(JSON.stringify(outcomeSchema))));
});

test('a broken schema throws a clear error', () => {
  assert.throws(() => compileSchema({ type: 'objekt' }), /schema does not compile: .*objekt/s);
  // Strict mode: unknown keywords are mistakes, not annotations.
  assert.throws(() => compileSchema({ type: 'object', requird: ['state'] }), /schema does not compile: .*requird/s);
});

test('project schemas are looked up by $id', () => {
  assert.throws(() => validateWith(schemaId('no-such'), {}), /unknown schema .*no-such/);
  assert.throws(
    () => assertValid(schemaId('openai-chat-line'), { messages: [], extra: 1 }, 'the line'),
    (err: Error) =>
      /the line is invalid/.test(err.message) &&
      /\/messages must NOT have fewer than 1 items/.test(err.message) &&
      /must NOT have additional properties: "extra"/.test(err.message) &&
      /must have required property 'tools'/.test(err.message),
  );
});

test('two tasks\' outcome schemas may carry the same $id: each compiles on its own', () => {
  const a = compileSchema({ $id: 'https://example.org/outcome', type: 'object', required: ['a'] });
  const b = compileSchema({ $id: 'https://example.org/outcome', type: 'object', required: ['b'] });
  assert.equal(a({ a: 1 }), true);
  assert.equal(b({ a: 1 }), false);
  assert.equal(b({ b: 1 }), true);
});
