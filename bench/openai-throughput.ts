// Benchmark: model steps a second through the worker's model activities against a stub OpenAI-compatible server
// that answers every request after a fixed latency L and serves at most C requests at once (the rest wait in its
// queue, as a batching server such as vLLM queues them, so sending more than C at once gains nothing). The model
// worker is the one createWorkers builds for an `openai` engine of concurrency C, so it takes C activities at once;
// the ideal is C/L steps a second and the goal is at least 0.9 of it.
// The baseline, from the same run: the same steps sent by C callers straight to the engine, without Temporal, so
// the table shows Temporal's share apart from the engine's.
// Steps reach the worker as an episode's do: workflows (workflows/model-load.ts) each make their model calls one
// after another with the options a run uses (workflows/activity-options.ts), twice as many of them as the worker
// has slots, so each step pays a workflow task and an activity dispatch as in a run, without the sandbox work.
// Run: npm run build && node dist/bench/openai-throughput.js (needs the `temporal` CLI from `npm run setup`; no
// Docker, no model). BENCH_STEPS (default 640: a run's worth, over which starting up is paid once; best a multiple of C), BENCH_LATENCY_MS (500),
// BENCH_SERVER_CONCURRENCY (16). Everything shares the machine's cores, so the load average is printed with it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { FILES_PROMPTS, filesTools } from './files-prompts.js';
import { EnvironmentCatalog } from '../environments/catalog.js';
import type { InferenceEngine } from '../inference/engine.js';
import { connectDocker } from '../sandboxes/docker-client.js';
import { SUBMIT_TOOL, type ModelStepInput, type ToolSpec } from '../schemas/types.js';
import { modelLoad } from '../workflows/model-load.js';
import { createWorkers } from '../worker/create-workers.js';
import { workerEngine } from '../worker/engine-provider.js';
import { modelQueueName } from '../worker/queue-names.js';
import { installRuntimeLogging } from '../worker/runtime-logging.js';
import { findTemporalCli } from '../worker/temporal-server.js';

const GOAL = 0.9;

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}=${text} is not a positive integer`);
  return value;
}

interface Counters {
  requests: number;
  connections: number;
  inFlight: number;
  maxInFlight: number;
  queued: number;
  maxQueued: number;
  /** How long each serving slot stood idle between a reply and the next request it took: the caller's turnaround. */
  idleMs: number[];
  firstRequestAt: number | null;
  lastReplyAt: number | null;
}

const zero = (): Counters => ({
  requests: 0, connections: 0, inFlight: 0, maxInFlight: 0, queued: 0, maxQueued: 0, idleMs: [], firstRequestAt: null, lastReplyAt: null,
});

/**
 * Stub OpenAI-compatible server: every chat completion is a `submit` tool call, sent L ms after the request got one
 * of the C serving slots; later requests wait for a slot in arrival order. Counts TCP connections, so the table
 * shows whether the engine's connections were kept alive.
 */
async function startStubServer(latencyMs: number, slots: number) {
  let counters = zero();
  let free = slots;
  // When each slot freed in this phase went idle (slots idle since the phase began are not in it).
  let idleSince: number[] = [];
  const waiting: Array<() => void> = [];
  const acquire = (): Promise<void> => {
    if (free > 0) {
      free--;
      const since = idleSince.shift();
      if (since !== undefined) counters.idleMs.push(performance.now() - since);
      return Promise.resolve();
    }
    counters.queued++;
    counters.maxQueued = Math.max(counters.maxQueued, counters.queued);
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) {
      counters.queued--;
      counters.idleMs.push(0);
      next(); // the slot passes straight on
    } else {
      free++;
      idleSince.push(performance.now());
    }
  };
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const answer = async (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return reply(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
    let body: { model?: unknown; tools?: Array<{ function?: { name?: unknown } }> };
    try {
      body = JSON.parse(text);
    } catch {
      return reply(res, 400, { error: { message: 'body is not JSON' } });
    }
    // A request the engine built wrong is refused (the engine does not retry a 400), so the run fails loudly.
    if (!body.tools?.some((t) => t.function?.name === SUBMIT_TOOL)) return reply(res, 400, { error: { message: 'no submit tool offered' } });
    const phase = counters;
    phase.firstRequestAt ??= performance.now();
    await acquire();
    phase.requests++;
    phase.inFlight++;
    phase.maxInFlight = Math.max(phase.maxInFlight, phase.inFlight);
    setTimeout(() => {
      phase.inFlight--;
      release();
      reply(res, 200, {
        id: `chatcmpl-${phase.requests}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: SUBMIT_TOOL, arguments: '{}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 200, completion_tokens: 8 },
      });
      phase.lastReplyAt = performance.now();
    }, latencyMs);
  };
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => void answer(req, res, text));
  });
  server.on('connection', () => counters.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    /** This phase's counters, and a fresh start for the next one: idle connections are closed, so each phase opens its own. */
    async endPhase(): Promise<Counters> {
      const done = counters;
      counters = zero();
      idleSince = [];
      server.closeIdleConnections();
      // Give the client time to see the connections close, so none is picked up for a request as it goes.
      await new Promise((resolve) => setTimeout(resolve, 200));
      return done;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One way of running the steps, timed from the first step sent to the last result in hand. */
interface Run {
  startAt: number;
  endAt: number;
  /** What the engine measured inside each step (a wait in the server's queue included). */
  stepMs: number[];
}

interface Phase extends Run {
  label: string;
  server: Counters;
}

function stepInput(i: number, tools: ToolSpec[]): ModelStepInput {
  return {
    messages: [
      { role: 'system', content: 'You are an agent working in a Linux sandbox. You act only by calling tools, one call per turn.' },
      { role: 'user', content: FILES_PROMPTS[i % FILES_PROMPTS.length]! },
    ],
    tools,
    seed: 1000 + i,
    temperature: 0.8,
    maxTokens: 96,
  };
}

/** C callers taking the next step until all are done: the engine on its own, at the concurrency the worker gets. */
async function direct(engine: InferenceEngine, steps: number, callers: number, tools: ToolSpec[]): Promise<Run> {
  const stepMs: number[] = [];
  let next = 0;
  const startAt = performance.now();
  const caller = async () => {
    for (let i = next++; i < steps; i = next++) {
      const out = await engine.step(stepInput(i, tools));
      if (out.toolCall.name !== SUBMIT_TOOL) throw new Error(`step ${i}: expected the stub's ${SUBMIT_TOOL} call, got ${out.toolCall.name}`);
      stepMs.push(out.durationMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(callers, steps) }, caller));
  return { startAt, endAt: performance.now(), stepMs };
}

/** Rejects after `ms` unless `work` settles first, naming what hung. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${(ms / 1000).toFixed(0)} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const load = () => loadavg()[0]!.toFixed(2);

async function main(): Promise<void> {
  const steps = positiveInt('BENCH_STEPS', 640);
  const latencyMs = positiveInt('BENCH_LATENCY_MS', 500);
  const slots = positiveInt('BENCH_SERVER_CONCURRENCY', 16);
  const tools = filesTools();
  const ideal = slots / (latencyMs / 1000);
  // The longest a phase may take before it counts as hung: ten times its ideal time, at least a minute.
  const deadlineMs = Math.max(60_000, (10 * steps * latencyMs) / slots);
  const loadBefore = load();

  // Undone in reverse on the way out, on failure and on Ctrl-C too: the dev server must not outlive the bench.
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanUp = async () => {
    for (const undo of cleanups.splice(0).reverse()) await undo().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
  };
  const interrupted = () => {
    console.error('interrupted: stopping the worker and the Temporal dev server');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const stub = await startStubServer(latencyMs, slots);
    cleanups.push(() => stub.close());
    const engineChoice = { engine: 'openai' as const, baseUrl: stub.baseUrl, model: 'stub', concurrency: slots };

    installRuntimeLogging();
    const cli = findTemporalCli();
    if (!cli) throw new Error('no `temporal` CLI found (TEMPORAL_CLI_PATH, PATH or the project cache): run `npm run setup`');
    // An ephemeral dev server on a free port; teardown stops it.
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: cli } },
    });
    cleanups.push(() => env.teardown());

    // The worker's engine and its concurrency, exactly as a worker process gets them; createWorkers is given a
    // Docker client it never uses (no sandbox activity is started) and builds the model worker with C slots.
    const engine = workerEngine(engineChoice);
    cleanups.push(() => engine.provider.close());
    const taskQueue = `bench-openai-${process.pid}`;
    const workers = await createWorkers({
      connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, docker: connectDocker(), catalog: new EnvironmentCatalog(), engine,
    });
    const modelQueue = modelQueueName(taskQueue, engine.fingerprint);
    if (!workers.queues.includes(modelQueue)) throw new Error(`createWorkers built no worker on ${modelQueue}`);
    const running = workers.run();
    cleanups.push(async () => {
      workers.shutdown();
      await running;
    });
    // A worker that fails stops the bench at once instead of leaving it to wait out its deadline.
    const workerFailed = running.then(
      () => Promise.reject(new Error('the workers stopped before the bench was done')),
      (error: unknown) => Promise.reject(new Error(`a worker failed: ${(error as Error).message}`, { cause: error })),
    );
    workerFailed.catch(() => undefined);

    let started = 0;
    // As many episode-like workflows as twice the worker's slots, each making its steps one after another: enough
    // of them waiting that a slot that frees has a call to take, as a run with enough episodes in flight has.
    const lanes = 2 * (engine.concurrency + engine.prefetch);
    const viaTemporal = async (count: number): Promise<Run> => {
      const stepMs: number[] = [];
      const lane = async (l: number) => {
        const mine = Array.from({ length: count }, (_, i) => i).filter((i) => i % lanes === l);
        if (mine.length === 0) return;
        const durations = await env.client.workflow.execute(modelLoad, {
          taskQueue,
          workflowId: `${taskQueue}/load-${started++}`,
          args: [{ modelQueue, steps: mine.map((i) => stepInput(i, tools)) }],
        });
        stepMs.push(...durations);
      };
      const startAt = performance.now();
      await within(deadlineMs, `${count} steps through Temporal`, Promise.race([Promise.all(Array.from({ length: lanes }, (_, l) => lane(l))), workerFailed]));
      return { startAt, endAt: performance.now(), stepMs };
    };

    // Warm-up, not counted: the first steps pay for connections, JIT and the worker's first polls.
    const baselineEngine = await workerEngine(engineChoice).provider.get();
    cleanups.push(() => baselineEngine.close());
    await direct(baselineEngine, slots, slots, tools);
    await viaTemporal(slots);
    await stub.endPhase();

    const phases: Phase[] = [];
    process.stderr.write(`  ${steps} steps, engine direct ...\n`);
    const base = await within(deadlineMs, `${steps} steps direct`, direct(baselineEngine, steps, slots, tools));
    phases.push({ label: `engine direct, ${slots} callers`, ...base, server: await stub.endPhase() });
    process.stderr.write(`  ${steps} steps, Temporal model worker ...\n`);
    const temporal = await viaTemporal(steps);
    phases.push({ label: 'Temporal model worker', ...temporal, server: await stub.endPhase() });

    const wallMs = (p: Phase) => p.endAt - p.startAt;
    const ms = (x: number | null) => (x === null ? 'n/a' : x.toFixed(0));
    console.log(
      `openai throughput: ${steps} model steps, stub server latency ${latencyMs} ms, ${slots} served at once, model worker slots ${engine.concurrency + engine.prefetch} (${engine.concurrency} sent at once, ${engine.prefetch} waiting in the engine); ` +
        `ideal C/L = ${ideal.toFixed(1)} steps/s; load average ${loadBefore} before, ${load()} after, ${availableParallelism()} cores`,
    );
    if (steps % slots !== 0) console.log(`note: ${steps} steps is not a multiple of C = ${slots}; the last round runs part full and lowers both ratios`);
    console.log(
      'path                      | wall s | steps/s | ratio | mean step ms | to 1st request ms | slot idle ms | tail ms | max in flight | max queued | requests | TCP conns',
    );
    for (const p of phases) {
      const rate = steps / (wallMs(p) / 1000);
      const first = p.server.firstRequestAt === null ? null : p.server.firstRequestAt - p.startAt;
      const tail = p.server.lastReplyAt === null ? null : p.endAt - p.server.lastReplyAt;
      console.log(
        `${p.label.padEnd(25)} | ${(wallMs(p) / 1000).toFixed(2).padStart(6)} | ${rate.toFixed(1).padStart(7)} | ${(rate / ideal).toFixed(3).padStart(5)} | ` +
          `${mean(p.stepMs).toFixed(0).padStart(12)} | ${ms(first).padStart(17)} | ${mean(p.server.idleMs).toFixed(1).padStart(12)} | ${ms(tail).padStart(7)} | ` +
          `${String(p.server.maxInFlight).padStart(13)} | ${String(p.server.maxQueued).padStart(10)} | ${String(p.server.requests).padStart(8)} | ` +
          `${String(p.server.connections).padStart(9)}`,
      );
    }
    const [b, t] = phases as [Phase, Phase];
    console.log(`Temporal's share: ${((wallMs(t) - wallMs(b)) / 1000).toFixed(2)} s more wall time than the baseline, over ${lanes} workflows making their steps one after another`);
    for (const p of phases) {
      if (p.server.requests !== steps) console.log(`warning: ${p.label}: the server served ${p.server.requests} requests for ${steps} steps (retries?)`);
    }
    const ratio = steps / (wallMs(t) / 1000) / ideal;
    // Once the steps are flowing (first request at the server to its last reply), without the client's start-up:
    // what a long run sees, since starting the work is paid once per run, not per step.
    const steady = (p: Phase) =>
      p.server.firstRequestAt === null || p.server.lastReplyAt === null ? NaN : steps / ((p.server.lastReplyAt - p.server.firstRequestAt) / 1000) / ideal;
    console.log(`whole run, start-up included: ratio ${ratio.toFixed(3)}; baseline ${(steps / (wallMs(b) / 1000) / ideal).toFixed(3)}`);
    console.log(`steady (first request to last reply): baseline ${steady(b).toFixed(3)}`);
    console.log(`ratio ${steady(t).toFixed(3)} steady, ${ratio.toFixed(3)} whole run (goal >= ${GOAL})${steady(t) >= GOAL ? '' : ' NOT MET'}`);
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    await cleanUp();
  }
}

main().catch((error) => {
  console.error(`openai throughput bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
