// Shared shapes that cross module boundaries (workflows, activities, store, export).
// Everything here must stay plain JSON: these values travel through Temporal payloads.

/** A JSON Schema object, kept opaque to TypeScript; ajv checks it at run time. */
export type JsonSchema = Record<string, unknown>;

/** A tool the agent may call, in the shape OpenAI-style trainers expect. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema (object) for the arguments. */
  parameters: JsonSchema;
}

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** The name of the tool that ends an episode; its arguments are the agent's submission. */
export const SUBMIT_TOOL = 'submit';

/** Which package a task came from: name, version and content hash (which names its image layer). */
export interface EnvironmentRef {
  name: string;
  version: string;
  hash: string;
}

/** A variant of the reference solution that breaks one of the task's requirements: it must fail. */
export interface Mutant {
  name: string;
  calls: ToolCall[];
}

/** An answer task's answer space: the answers a guess would pick from, given what the tools list. */
export interface GuessSpace {
  /** The submit argument that holds the answer. */
  field: string;
  /** Values of the field, of the type the submit tool's schema wants. */
  candidates: unknown[];
}

/** One synthesized task: hard to solve, easy to verify. Its initial state is built in the sandbox by setup. */
export interface TaskSpec {
  /** Deterministic id: run, environment, tier, seed and index. */
  id: string;
  /** The environment's name (kept as `family` in the store and the summaries). */
  family: string;
  environment: EnvironmentRef;
  tier: number;
  seed: number;
  index: number;
  /** Instruction shown to the agent. */
  prompt: string;
  /** The tools offered, the submit tool last. */
  tools: ToolSpec[];
  /** Tools that change the state the verifier reads (the gates drop each such reference step in turn). */
  mutatingTools: string[];
  /** A known solution: tool calls that end with a submit call. */
  reference: ToolCall[];
  /** JSON Schema over the Outcome ({ submitted, state }); a valid outcome is a solved task. */
  outcomeSchema: JsonSchema;
  mutants: Mutant[];
  guess: GuessSpace | null;
}

/** An environment: a package built as an image layer that tasks run in. */
export interface EnvironmentSpec {
  environment: EnvironmentRef;
  /** Docker image tag, content-addressed by the package, the runtime and the base image. */
  image: string;
}

export interface ToolResult {
  exitCode: number;
  /** stdout (and stderr when the tool failed), capped at the sandbox output limit. */
  output: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

/** What the verifier sees: the agent's submission and the probe's reading of the sandbox. */
export interface Outcome {
  submitted: Record<string, unknown> | null;
  state: unknown;
}

export interface Verdict {
  passed: boolean;
  /** ajv errors as "path: message" strings; empty when passed. */
  errors: string[];
}

/** Chat transcript entry used both for prompting the model and for export. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; toolCall: ToolCall; callId: string }
  | { role: 'tool'; callId: string; name: string; content: string };

export interface ModelStepInput {
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** Seed for sampling, derived from episode and step so a retry reproduces the same call. */
  seed: number;
  temperature: number;
  maxTokens: number;
}

export interface ModelStepResult {
  toolCall: ToolCall;
  /** The model's raw text before parsing. */
  raw: string;
  durationMs: number;
  /** Token counts, where the engine reports them. */
  usage?: TokenUsage;
  /** The token ids the model generated, where the engine has them (embedded): training data in its own tokens. */
  outputTokens?: number[];
}

export interface TokenUsage {
  /** Tokens of the rendered prompt. */
  promptTokens: number;
  /** Of those, tokens evaluated for this step (the rest were reused from an earlier evaluation). */
  evaluatedTokens: number;
  completionTokens: number;
}

export type Policy = 'reference' | 'null' | 'model';

export interface StepRecord {
  index: number;
  toolCall: ToolCall;
  /** Null for the submit call, which runs no tool. */
  result: ToolResult | null;
  /** Model's raw text, when a model produced the call. */
  raw: string | null;
  /** The token ids the model generated for it, when its engine reports them. */
  outputTokens?: number[];
}

export interface EpisodeRecord {
  /** Deterministic id: `${taskId}/${policy}/${index}`. */
  id: string;
  runId: string;
  taskId: string;
  policy: Policy;
  index: number;
  messages: ChatMessage[];
  steps: StepRecord[];
  outcome: Outcome;
  verdict: Verdict;
}

export interface TaskResult {
  taskId: string;
  /** Null when the task was rejected before any model episode. */
  passRate: number | null;
  episodes: number;
  passed: number;
  accepted: boolean;
  /** Why a task was rejected (a failed gate or a pass rate out of range). */
  reason: string | null;
  /** Set when the task was rejected because something broke (screening, gates or an episode failed), not on its merits. */
  broken?: boolean;
}
