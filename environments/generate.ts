// Task generation: the package's generator runs inside its image as the verifier (its code never leaves the
// container), prints tasks as JSON, and each task is checked here before anything uses it: the schema of what a
// generator prints, tool names, a verifier (outcome schema) that compiles, a reference ending in submit whose
// calls fit the tools' schemas, mutants that do too, and an answer space for answer tasks.
import { taskId } from '../core/ids.js';
import { compileSchema, formatErrors, schemaId, validateWith } from '../schemas/registry.js';
import { SUBMIT_TOOL, type JsonSchema, type TaskSpec, type ToolCall, type ToolSpec } from '../schemas/types.js';
import type { SandboxManager } from '../sandboxes/sandbox.js';
import { verifierArgv } from './layout.js';
import { environmentRef, type EnvironmentPackage } from './package.js';

/** The generator printed something unusable: names the package, the task and the field. */
export class GeneratorError extends Error {
  override readonly name = 'GeneratorError';
}

const GENERATOR_OUTPUT_LIMIT = 8 * 1024 * 1024;
const EMPTY_ARGS: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };

export interface GenerateRequest {
  /** Prefix of the task ids (a run id), so two runs of the same seed never share store rows. */
  scope: string;
  seed: number;
  tier: number;
  count: number;
  offset: number;
}

/** Runs the generator in container `id` (an idle sandbox of the package's image) and returns checked tasks. */
export async function generateTasks(sandboxes: SandboxManager, id: string, pkg: EnvironmentPackage, req: GenerateRequest): Promise<TaskSpec[]> {
  if (!Number.isInteger(req.tier) || req.tier < 0 || req.tier > pkg.maxTier) {
    throw new GeneratorError(`environment ${pkg.name} has tiers 0..${pkg.maxTier}, not ${req.tier}`);
  }
  const indexes = Array.from({ length: req.count }, (_, i) => req.offset + i);
  const result = await sandboxes.exec(id, verifierArgv(pkg.name, pkg.generator), {
    user: 'verifier',
    workingDir: '/',
    stdin: JSON.stringify({ seed: req.seed, tier: req.tier, indexes }),
    outputLimitBytes: GENERATOR_OUTPUT_LIMIT,
    timeoutMs: 60_000,
  });
  const where = `generator of environment ${pkg.name} (tier ${req.tier}, seed ${req.seed})`;
  if (result.exitCode !== 0 || result.truncated) {
    throw new GeneratorError(`${where} failed (exit ${result.exitCode}${result.truncated ? ', output too large' : ''}): ${result.output.slice(-800)}`);
  }
  let printed: unknown;
  try {
    printed = JSON.parse(result.output);
  } catch {
    throw new GeneratorError(`${where} printed something that is not JSON: ${result.output.slice(0, 200)}`);
  }
  return checkGeneratedTasks(pkg, req, printed);
}

interface GeneratedTask {
  index: number;
  prompt: string;
  tools: string[];
  submit?: JsonSchema;
  reference: ToolCall[];
  outcomeSchema: JsonSchema;
  mutants: Array<{ name: string; calls: ToolCall[] }>;
  guess?: { field: string; candidates: unknown[] };
}

/** Checks what a generator printed and turns it into task specs; pure, so it is tested without Docker. */
export function checkGeneratedTasks(pkg: EnvironmentPackage, req: GenerateRequest, printed: unknown): TaskSpec[] {
  const where = `generator of environment ${pkg.name} (tier ${req.tier}, seed ${req.seed})`;
  const problems = validateWith(schemaId('generated-tasks'), printed);
  if (problems.length > 0) throw new GeneratorError(`${where} printed invalid tasks:\n  ${problems.join('\n  ')}`);
  const tasks = (printed as { tasks: GeneratedTask[] }).tasks;
  const expected = Array.from({ length: req.count }, (_, i) => req.offset + i);
  const got = tasks.map((t) => t.index);
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    throw new GeneratorError(`${where} printed tasks ${JSON.stringify(got)} but was asked for ${JSON.stringify(expected)}`);
  }
  return tasks.map((t) => checkTask(pkg, req, t));
}

function checkTask(pkg: EnvironmentPackage, req: GenerateRequest, t: GeneratedTask): TaskSpec {
  const at = `environment ${pkg.name}, tier ${req.tier}, seed ${req.seed}, task ${t.index}`;
  const bad = (field: string, why: string): never => {
    throw new GeneratorError(`${at}: /${field} ${why}`);
  };
  const tools: ToolSpec[] = t.tools.map((name, i) => {
    const tool = pkg.tools.find((x) => x.name === name);
    if (!tool) bad(`tools/${i}`, `names "${name}", which is not a tool of the package (${pkg.tools.map((x) => x.name).join(', ')})`);
    return { name: tool!.name, description: tool!.description, parameters: tool!.parameters };
  });
  const submitParams = t.submit ?? EMPTY_ARGS;
  // Any submit argument can carry an answer, required or not: such a task must state its answer space.
  const answerTask = Object.keys((submitParams.properties as object | undefined) ?? {}).length > 0;
  tools.push({
    name: SUBMIT_TOOL,
    description: answerTask ? 'Finish the task and give the answer.' : 'Finish the task.',
    parameters: submitParams,
  });
  const validators = new Map<string, ReturnType<typeof compileSchema>>();
  for (const [i, tool] of tools.entries()) {
    try {
      validators.set(tool.name, compileSchema(tool.parameters));
    } catch (error) {
      bad(tool.name === SUBMIT_TOOL ? 'submit' : `tools/${i}`, `is not a usable JSON Schema: ${(error as Error).message}`);
    }
  }
  try {
    compileSchema(t.outcomeSchema);
  } catch (error) {
    bad('outcomeSchema', `(the task's verifier) does not compile: ${(error as Error).message}`);
  }
  const checkCalls = (field: string, calls: ToolCall[]) => {
    calls.forEach((c, i) => {
      const validate = validators.get(c.name);
      if (!validate) return bad(`${field}/${i}/name`, `calls "${c.name}", which this task does not offer`);
      if (!validate(c.arguments)) bad(`${field}/${i}/arguments`, `do not fit ${c.name}'s parameters: ${formatErrors(validate.errors).join('; ')}`);
      if (c.name === SUBMIT_TOOL && i !== calls.length - 1) bad(`${field}/${i}`, 'submits before the last call');
    });
    if (calls[calls.length - 1]?.name !== SUBMIT_TOOL) bad(field, `does not end with a ${SUBMIT_TOOL} call`);
  };
  checkCalls('reference', t.reference);
  t.mutants.forEach((m, i) => checkCalls(`mutants/${i}/calls`, m.calls));
  if (answerTask && !t.guess) bad('guess', 'is missing: an answer task must state the answers a guess picks from');
  if (t.guess && !(t.guess.field in ((submitParams.properties as object | undefined) ?? {}))) {
    bad('guess/field', `"${t.guess.field}" is not a parameter of submit`);
  }
  return {
    id: taskId(req.scope, pkg.name, req.tier, req.seed, t.index),
    family: pkg.name,
    environment: environmentRef(pkg),
    tier: req.tier,
    seed: req.seed,
    index: t.index,
    prompt: t.prompt,
    tools,
    mutatingTools: pkg.tools.filter((x) => x.mutates).map((x) => x.name),
    reference: t.reference,
    outcomeSchema: t.outcomeSchema,
    mutants: t.mutants,
    guess: t.guess ?? null,
  };
}
