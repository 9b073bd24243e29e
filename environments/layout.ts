// Where an environment package lives inside its image, and the argv that runs its parts there. The public
// folder (tools the agent runs) is root-owned and world-readable; the private folder (generator, setup, probe)
// belongs to the verifier's uid with mode 0700, so the agent can neither read nor change it.
import type { ToolCall } from '../schemas/types.js';

export const RUNTIME_DIR = '/opt/tasksynth/runtime';
export const envRootDir = (name: string) => `/opt/tasksynth/env/${name}`;
export const publicDir = (name: string) => `${envRootDir(name)}/tools`;
export const privateDir = (name: string) => `${envRootDir(name)}/verifier`;

/** The placeholder a tool's argv uses for the package's public folder in the image. */
export const TOOLS_PLACEHOLDER = '{tools}';

/**
 * A tool's manifest argv with {tools} expanded (no shell). The call's arguments go to the tool as one JSON object
 * on stdin: no length limit of a single argument, and nothing in any process's command line.
 */
export function toolArgv(envName: string, argv: string[]): string[] {
  return argv.map((part) => part.split(TOOLS_PLACEHOLDER).join(publicDir(envName)));
}

/** What a tool reads on stdin: its call's arguments as JSON. */
export const toolInput = (call: ToolCall): string => JSON.stringify(call.arguments);

/**
 * A verifier program (generator, setup, probe) through the runtime's runner: `python3 -I` keeps start-up hooks,
 * user site-packages, PYTHON* variables and the working directory out; -B writes no bytecode.
 */
export function verifierArgv(envName: string, program: string, opts: { requireNoAgentProcesses?: boolean } = {}): string[] {
  return [
    'python3', '-I', '-B', `${RUNTIME_DIR}/run_verifier.py`,
    ...(opts.requireNoAgentProcesses ? ['--require-no-agent-processes'] : []),
    privateDir(envName), program,
  ];
}
