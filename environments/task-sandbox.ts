// A task's sandbox, as both the agent's episodes and the gates' rollouts use it: start (container + the package's
// setup), one tool call (the manifest's argv, as the agent), and the probe (as the verifier, once every agent
// process is gone). Probe trouble is a result here, not an exception: who is to blame is the caller's call.

import type { SandboxManager } from '../sandboxes/sandbox.js';
import type { TaskSpec, ToolCall, ToolResult } from '../schemas/types.js';
import { toolArgv, toolInput, verifierArgv } from './layout.js';
import type { EnvironmentPackage } from './package.js';

/** The probe's output may be larger than a tool's; the probe bounds itself well below this. */
export const PROBE_OUTPUT_LIMIT = 256 * 1024;

export type ProbeReading = { ok: true; state: unknown } | { ok: false; error: string };

/** What setup and probe are told about the task: they rebuild everything else from it, privately. */
export const taskRequest = (task: TaskSpec) => ({ seed: task.seed, tier: task.tier, index: task.index });

/** Creates the sandbox and builds the task's initial state in it; returns the container id. */
export async function startTaskSandbox(
  sandboxes: SandboxManager,
  pkg: EnvironmentPackage,
  image: string,
  task: TaskSpec,
  labels: Record<string, string>,
  name?: string,
): Promise<string> {
  const id = await sandboxes.create(image, labels, {}, name);
  try {
    await sandboxes.setup(id, verifierArgv(pkg.name, pkg.setup), taskRequest(task));
    return id;
  } catch (error) {
    await sandboxes.remove(id).catch(() => undefined);
    throw error;
  }
}

/** One tool call of the agent; a tool the task does not offer is a failed call the agent sees. */
export async function runToolCall(sandboxes: SandboxManager, pkg: EnvironmentPackage, id: string, task: TaskSpec, call: ToolCall): Promise<ToolResult> {
  const tool = task.tools.some((t) => t.name === call.name) ? pkg.tools.find((t) => t.name === call.name) : undefined;
  if (!tool) return { exitCode: 127, output: `no tool named ${call.name}`, truncated: false, timedOut: false, durationMs: 0 };
  return sandboxes.toolCall(id, toolArgv(pkg.name, tool.argv), { stdin: toolInput(call) });
}

/**
 * Reads the final state through the package's probe: in the episode's sandbox, or, for a package whose probe runs
 * the agent's code, in a fresh test-runner sandbox holding only a copy of the agent's final /work.
 */
export async function probeTaskState(
  sandboxes: SandboxManager,
  pkg: EnvironmentPackage,
  id: string,
  task: TaskSpec,
): Promise<ProbeReading> {
  const where = `probe of environment ${pkg.name}`;
  if (pkg.probeIn === 'test-runner') {
    const archive = await sandboxes.archiveWork(id);
    if (archive === null) return { ok: false, error: `${where}: the agent's /work could not be copied (unreadable, or larger than a sandbox holds)` };
    const { image, labels } = await sandboxes.describe(id);
    const runner = await sandboxes.create(image, labels, {}, undefined, { testRunner: true });
    try {
      const copied = await sandboxes.untarIntoWork(runner, archive).then(() => null, (error: Error) => error.message);
      if (copied !== null) return { ok: false, error: `${where}: the agent's /work could not be copied: ${copied}` };
      const argv = verifierArgv(pkg.name, pkg.probe);
      return readProbe(where, await sandboxes.probe(runner, argv, taskRequest(task), PROBE_OUTPUT_LIMIT, 'runner'));
    } finally {
      await sandboxes.remove(runner);
    }
  }
  const argv = verifierArgv(pkg.name, pkg.probe, { requireNoAgentProcesses: true });
  return readProbe(where, await sandboxes.probe(id, argv, taskRequest(task), PROBE_OUTPUT_LIMIT));
}

function readProbe(where: string, result: ToolResult): ProbeReading {
  if (result.exitCode !== 0 || result.truncated) {
    return { ok: false, error: `${where} failed (exit ${result.exitCode}${result.truncated ? ', output truncated' : ''}${result.timedOut ? ', timed out' : ''}): ${result.output.slice(-500)}` };
  }
  try {
    return { ok: true, state: JSON.parse(result.output) };
  } catch {
    return { ok: false, error: `${where} printed something that is not JSON: ${result.output.slice(0, 200)}` };
  }
}

