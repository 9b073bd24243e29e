import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { InvalidModelOutputError } from '../../inference/engine.js';
import { InferenceServerError, ModelRequestRejectedError, OpenAICompatibleEngine, retryAfterMs } from '../../inference/openai-engine.js';
import type { ModelStepInput, ToolSpec } from '../../schemas/types.js';

interface Recorded {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: any;
}

/**
 * Test double for an OpenAI-compatible chat-completions server: records each request and answers
 * with whatever the test's handler writes.
 */
async function startServerDouble(handler: (req: Recorded, res: ServerResponse) => void) {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const recorded: Recorded = { method: req.method, url: req.url, headers: req.headers, body: text ? JSON.parse(text) : null };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const tools: ToolSpec[] = [
  {
    name: 'write_file',
    description: 'Write a text file.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
      additionalProperties: false,
    },
  },
  { name: 'submit', description: 'Finish.', parameters: { type: 'object', properties: {}, additionalProperties: false } },
];

const input: ModelStepInput = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Create notes.txt containing apple.' },
    { role: 'assistant', callId: 'call_1', toolCall: { name: 'write_file', arguments: { path: 'notes.txt', content: 'pear' } } },
    { role: 'tool', callId: 'call_1', name: 'write_file', content: 'ok' },
  ],
  tools,
  seed: 42,
  temperature: 0.7,
  maxTokens: 128,
};

function toolCallReply(name: string, args: string) {
  return {
    choices: [
      { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_2', type: 'function', function: { name, arguments: args } }] } },
    ],
  };
}

describe('OpenAICompatibleEngine', () => {
  const doubles: Array<{ close: () => Promise<void> }> = [];
  after(async () => {
    await Promise.all(doubles.map((d) => d.close()));
  });

  it('sends the conversation and tools in OpenAI format and returns the tool call', async () => {
    const double = await startServerDouble((_req, res) =>
      json(res, 200, toolCallReply('write_file', '{"path": "notes.txt", "content": "apple"}')),
    );
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: `${double.baseUrl}/`, model: 'smol', apiKey: 'sk-test' });
    assert.equal(engine.name, 'openai:smol');

    const result = await engine.step(input);
    assert.deepEqual(result.toolCall, { name: 'write_file', arguments: { path: 'notes.txt', content: 'apple' } });
    assert.equal(result.raw, '{"tool": "write_file", "arguments": {"path": "notes.txt", "content": "apple"}}');
    assert.ok(result.durationMs >= 0);

    const [request] = double.requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, '/v1/chat/completions');
    assert.equal(request?.headers.authorization, 'Bearer sk-test');
    const body = request?.body;
    assert.equal(body.model, 'smol');
    assert.equal(body.tool_choice, 'required');
    assert.equal(body.temperature, 0.7);
    assert.equal(body.seed, 42);
    assert.equal(body.max_tokens, 128);
    assert.deepEqual(body.tools, [
      { type: 'function', function: { name: 'write_file', description: 'Write a text file.', parameters: tools[0]!.parameters } },
      { type: 'function', function: { name: 'submit', description: 'Finish.', parameters: tools[1]!.parameters } },
    ]);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Create notes.txt containing apple.' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'write_file', arguments: '{"path":"notes.txt","content":"pear"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
    ]);
    await engine.close();
  });

  it('falls back to a {tool, arguments} JSON reply in the message content', async () => {
    const double = await startServerDouble((_req, res) =>
      json(res, 200, { choices: [{ message: { role: 'assistant', content: '{"tool": "submit", "arguments": {}}' } }] }),
    );
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol' });
    const result = await engine.step(input);
    assert.deepEqual(result.toolCall, { name: 'submit', arguments: {} });
    assert.equal(double.requests[0]?.headers.authorization, undefined);
    assert.equal(result.usage, undefined, 'a reply without usage reports none');
  });

  it('reports the token usage the server gives, cached prompt tokens as reused', async () => {
    const double = await startServerDouble((_req, res) =>
      json(res, 200, { ...toolCallReply('submit', '{}'), usage: { prompt_tokens: 500, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 448 } } }),
    );
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol' });
    assert.deepEqual((await engine.step(input)).usage, { promptTokens: 500, evaluatedTokens: 52, completionTokens: 12 });
  });

  it('treats empty argument text as no arguments', async () => {
    const double = await startServerDouble((_req, res) => json(res, 200, toolCallReply('submit', '')));
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol' });
    assert.deepEqual((await engine.step(input)).toolCall, { name: 'submit', arguments: {} });
  });

  it('reports a tool call that does not fit the tools as invalid model output', async () => {
    const double = await startServerDouble((_req, res) => json(res, 200, toolCallReply('write_file', '{"path": "notes.txt"}')));
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol' });
    await assert.rejects(engine.step(input), (err: unknown) => {
      assert.ok(err instanceof InvalidModelOutputError);
      assert.match(err.message, /arguments for "write_file" do not match its parameters: .*'content'/);
      return true;
    });
  });

  it('gives an HTTP error naming the URL and status', async () => {
    const double = await startServerDouble((_req, res) => json(res, 500, { error: { message: 'model exploded' } }));
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol', retries: 0 });
    await assert.rejects(engine.step(input), (err: unknown) => {
      assert.ok(err instanceof InferenceServerError);
      assert.equal(err.status, 500);
      assert.equal(err.url, `${double.baseUrl}/chat/completions`);
      assert.match(err.message, new RegExp(`^POST ${double.baseUrl}/chat/completions returned HTTP 500 .*model exploded`));
      return true;
    });
  });

  it('retries 429 and 5xx after a back-off, honouring Retry-After, and then returns the call', async () => {
    const replies = [
      (res: ServerResponse) => {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
        res.end('{"error":"slow down"}');
      },
      (res: ServerResponse) => json(res, 503, { error: 'loading' }),
      (res: ServerResponse) => json(res, 200, toolCallReply('submit', '{}')),
    ];
    const double = await startServerDouble((_req, res) => replies[Math.min(double.requests.length - 1, 2)]!(res));
    doubles.push(double);
    const waits: number[] = [];
    const engine = new OpenAICompatibleEngine({
      baseUrl: double.baseUrl, model: 'smol', backoffMs: 500, sleep: async (ms) => void waits.push(ms),
    });
    assert.deepEqual((await engine.step(input)).toolCall, { name: 'submit', arguments: {} });
    assert.equal(double.requests.length, 3);
    assert.equal(waits[0], 2000, 'the server said to wait 2 s');
    assert.ok(waits[1]! >= 500 && waits[1]! <= 1000, `second back-off ${waits[1]} ms: 1 s, its upper half jittered`);
    assert.deepEqual(double.requests[2]!.body, double.requests[0]!.body, 'every attempt sends the same request');
  });

  it('gives up after its retries with the last status, and never retries a request the server refused', async () => {
    let status = 529; // any 5xx, not only the common ones
    const double = await startServerDouble((_req, res) => json(res, status, { error: `status ${status}` }));
    doubles.push(double);
    const waits: number[] = [];
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol', retries: 2, maxBackoffMs: 700, sleep: async (ms) => void waits.push(ms) });
    await assert.rejects(engine.step(input), (err: unknown) => {
      assert.ok(err instanceof InferenceServerError && !(err instanceof ModelRequestRejectedError));
      assert.match(err.message, /returned HTTP 529 .*\(attempt 3 of 3\)/);
      return true;
    });
    assert.equal(double.requests.length, 3);
    assert.ok(waits.length === 2 && waits.every((w) => w <= 700), `waits ${waits} stay under the cap`);

    status = 400;
    await assert.rejects(engine.step(input), (err: unknown) => {
      assert.ok(err instanceof ModelRequestRejectedError, 'a refusal is its own error type, which the model activity does not retry');
      assert.equal(err.name, 'ModelRequestRejectedError');
      assert.equal(err.status, 400);
      return true;
    });
    assert.equal(double.requests.length, 4, 'one request for the refusal');
    assert.equal(waits.length, 2);
  });

  it('stops waiting and retrying as soon as its activity is cancelled', async () => {
    const double = await startServerDouble((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' });
      res.end('{"error":"overloaded"}');
    });
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol' });
    const cancel = new AbortController();
    const started = Date.now();
    setTimeout(() => cancel.abort(new Error('activity cancelled')), 100);
    await assert.rejects(engine.step(input, cancel.signal), /activity cancelled/);
    assert.ok(Date.now() - started < 5_000, 'did not sit out the 30 s Retry-After');
    assert.equal(double.requests.length, 1, 'no attempt after the cancellation');
  });

  it('keeps at most maxInFlight requests at the server; more calls wait, and a cancelled waiter never sends', async () => {
    let inFlight = 0;
    let most = 0;
    const double = await startServerDouble((_req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, toolCallReply('submit', '{}'));
      }, 100);
    });
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol', maxInFlight: 2 });
    const cancel = new AbortController();
    const others = Array.from({ length: 5 }, () => engine.step(input));
    // Queued behind the five: cancelled while it waits, it leaves the line and the others still get their turn.
    const waiter = engine.step(input, cancel.signal);
    setTimeout(() => cancel.abort(new Error('activity cancelled')), 20);
    const settled = await Promise.allSettled([waiter, ...others]);
    assert.equal(most, 2, 'never more than two requests at the server');
    assert.equal(settled.filter((r) => r.status === 'fulfilled').length, 5);
    assert.equal(double.requests.length, 5, 'the cancelled call sent nothing after its cancellation');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('3', now), 3000);
    assert.equal(retryAfterMs('0.5', now), 500);
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(retryAfterMs('soon', now), null);
    assert.equal(retryAfterMs(null, now), null);
  });

  it('gives a clear error for a malformed body', async () => {
    let reply: string | object = 'this is not json';
    const double = await startServerDouble((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof reply === 'string' ? reply : JSON.stringify(reply));
    });
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol' });
    await assert.rejects(engine.step(input), /returned a malformed body \(HTTP 200\): not JSON: this is not json/);
    reply = { object: 'chat.completion', choices: [] };
    await assert.rejects(engine.step(input), /malformed body \(HTTP 200\): no choices\[0\]\.message/);
    reply = { choices: [{ message: { role: 'assistant', content: null } }] };
    await assert.rejects(engine.step(input), /neither tool_calls nor text content/);
  });

  it('gives a connection error naming the URL when nothing listens', async () => {
    // Take an ephemeral port and release it, so it is known to be closed.
    const double = await startServerDouble(() => undefined);
    await double.close();
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol', retries: 0 });
    await assert.rejects(engine.step(input), (err: unknown) => {
      assert.ok(err instanceof InferenceServerError);
      assert.equal(err.status, undefined);
      assert.equal(err.message, `POST ${double.baseUrl}/chat/completions failed: connection refused (is the server running?)`);
      return true;
    });
  });

  it('times out a server that never answers', async () => {
    const double = await startServerDouble(() => undefined);
    doubles.push(double);
    const engine = new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol', timeoutMs: 200 });
    await assert.rejects(engine.step(input), new RegExp(`^InferenceServerError: POST ${double.baseUrl}/chat/completions failed: timed out after 200 ms$`));
  });

  it('checks the server before any task: it answers, accepts the key and serves the model', async () => {
    let status = 200;
    const double = await startServerDouble((req, res) => {
      if (req.url !== '/v1/models') return json(res, 500, { error: 'unexpected' });
      if (status !== 200) return json(res, status, { error: { message: 'no' } });
      json(res, 200, { object: 'list', data: [{ id: 'smol', object: 'model' }, { id: 'big', object: 'model' }] });
    });
    doubles.push(double);
    await new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol', apiKey: 'k-123' }).check();
    assert.equal(double.requests.at(-1)?.headers.authorization, 'Bearer k-123', 'the key from the environment is sent');
    await assert.rejects(
      new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'tiny' }).check(),
      /model "tiny" is not served by .* \(it lists "smol", "big"\)/,
    );
    status = 401;
    await assert.rejects(new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol' }).check(), /HTTP 401: it wants an API key: set OPENAI_API_KEY/);
    await assert.rejects(
      new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol', apiKey: 'bad' }).check(),
      /HTTP 401: the API key in OPENAI_API_KEY was refused/,
    );
    status = 404; // a server without a model list is let through to its first step
    await new OpenAICompatibleEngine({ baseUrl: double.baseUrl, model: 'smol' }).check();
    const gone = await startServerDouble(() => undefined);
    await gone.close();
    await assert.rejects(new OpenAICompatibleEngine({ baseUrl: gone.baseUrl, model: 'smol' }).check(), /GET .*\/models failed: connection refused/);
  });
});

