// Asks any server that speaks the OpenAI chat-completions API (llama.cpp server, vLLM, Ollama, ...)
// for the next tool call.
import { toOpenAIMessages, toOpenAITools } from '../schemas/openai-chat.js';
import type { ModelStepInput, ModelStepResult, TokenUsage } from '../schemas/types.js';
import type { InferenceEngine } from './engine.js';
import { parseToolCall } from './tool-call-schema.js';
import { isPlainObject, preview } from './plain-values.js';
import { RequestSlots } from './request-slots.js';

export interface OpenAICompatibleEngineOptions {
  /** e.g. "http://127.0.0.1:8080/v1"; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Per request, including reading the body. Default 120 s. */
  timeoutMs?: number;
  /** Further attempts after an overloaded or failing server (429, 5xx, a dropped connection). Default 4. */
  retries?: number;
  /** The first back-off; each next one doubles, with jitter, up to maxBackoffMs. Default 500 ms. */
  backoffMs?: number;
  /** The longest wait between attempts, a server's Retry-After included. Default 30 s. */
  maxBackoffMs?: number;
  /**
   * Requests in flight at most (the server's batch size); more calls wait here. The worker takes a few more calls
   * than this, so the next request goes out the moment one returns instead of after Temporal hands over a task.
   */
  maxInFlight?: number;
  /** Waits between attempts (test doubles replace it). */
  sleep?: (ms: number) => Promise<void>;
}

/** Answers worth another attempt: the server is busy, restarting or failing for now, not refusing the request. */
const retryable = (status: number) => status >= 500 || status === 408 || status === 425 || status === 429;

/** The server could not be reached or did not answer with a usable chat completion. */
export class InferenceServerError extends Error {
  override readonly name: string = 'InferenceServerError';

  constructor(
    message: string,
    readonly url: string,
    /** HTTP status, when the server answered at all. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The server refused this request for good (400, 401, 404, 422, ...): the same request cannot succeed, so the
 * model activity does not retry it either (workflows/activity-options.ts, which matches the class name).
 */
export class ModelRequestRejectedError extends InferenceServerError {
  override readonly name = 'ModelRequestRejectedError';
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After in milliseconds (seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Why fetch failed, in words: undici hides the socket error (ECONNREFUSED, ENOTFOUND, ...) in `cause`. */
function describeFetchFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return (err as Error).message ?? String(err);
}

/**
 * Turns the reply message into the `{"tool", "arguments"}` text the embedded engine also produces,
 * keeping the argument text verbatim, so both engines share one parser and one raw format.
 */
function rawToolCallText(message: Record<string, unknown>): string | null {
  const calls = message.tool_calls;
  if (Array.isArray(calls) && calls.length > 0) {
    const fn = isPlainObject(calls[0]) && isPlainObject(calls[0].function) ? calls[0].function : {};
    const args = fn.arguments;
    // Servers differ: arguments usually arrive as a JSON string, sometimes as an object, "" for none.
    const argsText = typeof args === 'string' ? (args.trim() === '' ? '{}' : args) : JSON.stringify(args ?? {});
    return `{"tool": ${JSON.stringify(fn.name ?? null)}, "arguments": ${argsText}}`;
  }
  return typeof message.content === 'string' ? message.content : null;
}

export class OpenAICompatibleEngine implements InferenceEngine {
  readonly name: string;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly slots: RequestSlots;

  constructor(private readonly opts: OpenAICompatibleEngineOptions) {
    this.url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.name = `openai:${opts.model}`;
    this.slots = new RequestSlots(opts.maxInFlight ?? Number.MAX_SAFE_INTEGER);
  }

  async step(input: ModelStepInput, signal?: AbortSignal): Promise<ModelStepResult> {
    const started = performance.now();
    const request = {
      model: this.opts.model,
      messages: toOpenAIMessages(input.messages),
      tools: toOpenAITools(input.tools),
      tool_choice: 'required',
      temperature: input.temperature,
      seed: input.seed,
      max_tokens: input.maxTokens,
    };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;

    const { status, bodyText, queuedMs } = await this.postWithRetries(JSON.stringify(request), headers, signal);

    const malformed = (why: string) =>
      new InferenceServerError(`POST ${this.url} returned a malformed body (HTTP ${status}): ${why}: ${preview(bodyText, 300)}`, this.url, status);
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      throw malformed('not JSON');
    }
    const choice = isPlainObject(body) && Array.isArray(body.choices) ? body.choices[0] : undefined;
    if (!isPlainObject(choice) || !isPlainObject(choice.message)) throw malformed('no choices[0].message');
    const raw = rawToolCallText(choice.message);
    if (raw === null) throw malformed('choices[0].message has neither tool_calls nor text content');

    const toolCall = parseToolCall(raw, input.tools);
    const usage = usageOf(isPlainObject(body) ? body.usage : undefined);
    // The model's time, not the wait for a request slot.
    return { toolCall, raw, durationMs: performance.now() - started - queuedMs, ...(usage ? { usage } : {}) };
  }

  /**
   * POSTs the request, again after a back-off while the server answers 408/425/429/5xx or drops the connection
   * (its Retry-After honoured, capped), up to `retries` more times; a timeout, a refusal (any other 4xx) or the
   * activity's cancellation ends at once.
   * Retrying here, inside the one model activity, keeps the wait off the workflow's history and lets a busy
   * server say how long to wait; the activity's own retries still cover a worker that dies.
   */
  private async postWithRetries(
    body: string,
    headers: Record<string, string>,
    cancel?: AbortSignal,
  ): Promise<{ status: number; bodyText: string; queuedMs: number }> {
    let queuedMs = 0;
    const retries = this.opts.retries ?? 4;
    const base = this.opts.backoffMs ?? 500;
    const cap = this.opts.maxBackoffMs ?? 30_000;
    const sleep = this.opts.sleep ?? ((ms: number) => abortableSleep(ms, cancel));
    for (let attempt = 0; ; attempt++) {
      cancel?.throwIfAborted();
      let response: Response;
      let bodyText: string;
      const tries = attempt === 0 ? '' : ` (attempt ${attempt + 1} of ${retries + 1})`;
      let timeout: AbortSignal | undefined;
      try {
        // Only the request holds a slot, not the back-off after it; its timeout starts with the request.
        const asked = performance.now();
        ({ response, bodyText } = await this.slots.run(async () => {
          queuedMs += performance.now() - asked;
          timeout = AbortSignal.timeout(this.timeoutMs);
          // One signal covers connecting, waiting for headers and reading the body; cancellation ends it too.
          const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
          const answer = await fetch(this.url, { method: 'POST', headers, body, signal });
          return { response: answer, bodyText: await answer.text() };
        }, cancel));
      } catch (err) {
        if (cancel?.aborted) throw err;
        // Whether it fired before the headers or while the body was read, the timeout's own signal says so.
        if (timeout?.aborted || attempt >= retries) {
          const why = timeout?.aborted ? `timed out after ${this.timeoutMs} ms` : describeFetchFailure(err, this.timeoutMs);
          throw new InferenceServerError(`POST ${this.url} failed${tries}: ${why}`, this.url, undefined, { cause: err });
        }
        await sleep(this.backoff(attempt, base, cap, null));
        continue;
      }
      if (response.ok) return { status: response.status, bodyText, queuedMs };
      const message = `POST ${this.url} returned HTTP ${response.status} ${response.statusText}${tries}: ${preview(bodyText, 300)}`;
      if (!retryable(response.status)) throw new ModelRequestRejectedError(message, this.url, response.status);
      if (attempt >= retries) throw new InferenceServerError(message, this.url, response.status);
      await sleep(this.backoff(attempt, base, cap, retryAfterMs(response.headers.get('retry-after'))));
    }
  }

  /** Exponential back-off, its upper half jittered (spreads many workers' retries), or the server's Retry-After; capped. */
  private backoff(attempt: number, base: number, cap: number, retryAfter: number | null): number {
    if (retryAfter !== null) return Math.min(cap, retryAfter);
    const ceiling = Math.min(cap, base * 2 ** attempt);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /**
   * Preflight before any task starts: the server answers `GET /models` (with the API key, when one is set) and
   * lists the configured model. Servers that do not list models (404) are let through to their first step.
   */
  async check(): Promise<void> {
    const url = `${this.opts.baseUrl.replace(/\/+$/, '')}/models`;
    const headers: Record<string, string> = {};
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(Math.min(this.timeoutMs, 15_000)) });
      text = await response.text();
    } catch (err) {
      throw new InferenceServerError(`GET ${url} failed: ${describeFetchFailure(err, Math.min(this.timeoutMs, 15_000))}`, url, undefined, { cause: err });
    }
    if (response.status === 401 || response.status === 403) {
      const key = this.opts.apiKey ? 'the API key in OPENAI_API_KEY was refused' : 'it wants an API key: set OPENAI_API_KEY';
      throw new InferenceServerError(`GET ${url} returned HTTP ${response.status}: ${key}`, url, response.status);
    }
    if (response.status === 404) return;
    if (!response.ok) throw new InferenceServerError(`GET ${url} returned HTTP ${response.status}: ${preview(text, 300)}`, url, response.status);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new InferenceServerError(`GET ${url} did not answer JSON (is ${this.opts.baseUrl} an OpenAI-compatible API, ending in /v1?): ${preview(text, 200)}`, url, response.status);
    }
    const listed = isPlainObject(body) && Array.isArray(body.data) ? body.data.map((m) => (isPlainObject(m) ? m.id : undefined)) : null;
    if (listed && listed.length > 0 && !listed.includes(this.opts.model)) {
      throw new InferenceServerError(
        `model ${JSON.stringify(this.opts.model)} is not served by ${this.opts.baseUrl} (it lists ${listed.slice(0, 8).map((m) => JSON.stringify(m)).join(', ')})`,
        url,
        response.status,
      );
    }
  }

  async close(): Promise<void> {
    // Nothing to release: fetch (undici) keeps idle connections to the server alive in its own pool and reuses
    // them for the next requests; each request carries its own timeout.
  }
}

/** Token counts as the server reports them (`usage`), cached prompt tokens counting as reused; none when absent. */
function usageOf(usage: unknown): TokenUsage | null {
  if (!isPlainObject(usage)) return null;
  const count = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  if (prompt === null || completion === null) return null;
  const cached = isPlainObject(usage.prompt_tokens_details) ? (count(usage.prompt_tokens_details.cached_tokens) ?? 0) : 0;
  return { promptTokens: prompt, evaluatedTokens: Math.max(0, prompt - Math.min(cached, prompt)), completionTokens: completion };
}
