// The hardening profile of a sandbox container, as one pure function so every setting can be asserted.
import type Docker from 'dockerode';
import { seccompSecurityOpt } from './seccomp-profile.js';

export interface SandboxLimits {
  memoryMb: number;
  pidsLimit: number;
  cpus: number;
  /** Wall-clock limit of one exec. */
  timeoutMs: number;
  /** Most bytes of output one exec returns. */
  outputLimitBytes: number;
  /**
   * How long an episode's sandbox call waits for its host to take it before the host counts as lost (absent in
   * histories recorded before it existed: SANDBOX_SCHEDULE_TO_START then).
   */
  hostWaitMs?: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  memoryMb: 512,
  pidsLimit: 128,
  cpus: 1,
  timeoutMs: 30_000,
  outputLimitBytes: 16 * 1024,
};

/** Open files per sandbox process (RLIMIT_NOFILE, soft and hard). */
export const OPEN_FILES_LIMIT = 1024;

/** Set on every container this project creates; reaping looks for it. */
export const LABEL_MANAGED = 'tasksynth.managed';
export const LABEL_RUN = 'tasksynth.run';
export const LABEL_TASK = 'tasksynth.task';
export const LABEL_EPISODE = 'tasksynth.episode';
export const LABEL_FAMILY = 'tasksynth.family';
/**
 * Set on a container a warm pool started before any episode asked for it (the pool's id). Such a container's
 * LABEL_EPISODE is empty, since labels cannot change once it is handed out: its episode knows it by name.
 */
export const LABEL_POOL = 'tasksynth.pool';
/** Names of warm containers not yet handed out; sandboxName() never makes one (its names start `tasksynth-`). */
export const POOL_NAME_PREFIX = 'tasksynth_pool-';
/**
 * The Temporal service and namespace whose workflows own a container: the sweep asks only that service whether a
 * container's episode is over, and leaves containers of any other service on the same Docker host alone.
 */
export const LABEL_TEMPORAL = 'tasksynth.temporal';

/** The agent: every tool call runs as this uid, and only /work is writable to it. */
export const SANDBOX_UID = 1000;
export const SANDBOX_USER = `${SANDBOX_UID}:${SANDBOX_UID}`;
/**
 * The verifier: setup, probe and generator run as this uid, and so does the container's idle keeper, so the agent
 * can signal none of them and read none of the verifier's files (mode 0700).
 */
export const VERIFIER_UID = 1001;
export const VERIFIER_USER = `${VERIFIER_UID}:${VERIFIER_UID}`;
/**
 * `runner` is root in a test-runner sandbox only (see hardenedContainerConfig's testRunner): a verifier that must
 * run the agent's code starts there as the verifier and runs that code in children switched to the agent's uid.
 */
export type SandboxUser = 'agent' | 'verifier' | 'runner';
export const userOf = (who: SandboxUser) => (who === 'agent' ? SANDBOX_USER : who === 'verifier' ? VERIFIER_USER : '0:0');

export const WORK_DIR = '/work';
/** The verifier's own scratch space (setup builds the initial state here), invisible to the agent. */
export const VERIFIER_DIR = '/verifier';
/** Size cap of each tmpfs; their pages count against the container's memory limit too. */
export const WORK_TMPFS_MB = 64;

/** tmpfs options for /work: owned by the agent, noexec so no dropped binary can run, capped. */
export function workTmpfsOptions(): string {
  return `rw,noexec,nosuid,nodev,size=${WORK_TMPFS_MB}m,uid=${SANDBOX_UID},gid=${SANDBOX_UID},mode=0755`;
}

/** tmpfs options for the verifier's scratch space: its uid only (0700). */
export function verifierTmpfsOptions(): string {
  return `rw,noexec,nosuid,nodev,size=${WORK_TMPFS_MB}m,uid=${VERIFIER_UID},gid=${VERIFIER_UID},mode=0700`;
}

export function hardenedContainerConfig(opts: {
  image: string;
  name?: string;
  labels: Record<string, string>;
  limits: SandboxLimits;
  /**
   * A test-runner sandbox, where a verifier runs the agent's final code: the same hardening, but root keeps
   * exactly two capabilities (switching uid and gid), so the verifier's runner can start the agent's code in
   * children under the agent's uid, which can then read none of the verifier's files nor touch the runner.
   */
  testRunner?: boolean;
}): Docker.ContainerCreateOptions {
  const { limits } = opts;
  const memoryBytes = Math.floor(limits.memoryMb * 1024 * 1024);
  const config: Docker.ContainerCreateOptions = {
    Image: opts.image,
    // Idle keeper; tools run as execs. Init (docker-init) reaps the zombies they leave.
    Cmd: ['sleep', 'infinity'],
    // The keeper runs as the verifier: the agent's "kill every process I may signal" after each call spares it.
    // (Docker grants an exec as root the container's capabilities only when the container's user is root.)
    User: opts.testRunner ? '0:0' : VERIFIER_USER,
    WorkingDir: WORK_DIR,
    Hostname: 'sandbox',
    // Managed label last so a caller cannot unset it.
    Labels: { ...opts.labels, [LABEL_MANAGED]: 'true' },
    NetworkDisabled: true,
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      CapAdd: opts.testRunner ? ['SETUID', 'SETGID'] : [],
      // Our own seccomp profile, not the daemon's default (see seccomp-profile.ts).
      SecurityOpt: ['no-new-privileges', ...seccompSecurityOpt()],
      Privileged: false,
      ReadonlyRootfs: true,
      // The only writable places (the agent's and the verifier's); no /dev/shm either (IpcMode none).
      Tmpfs: { [WORK_DIR]: workTmpfsOptions(), [VERIFIER_DIR]: verifierTmpfsOptions() },
      IpcMode: 'none',
      PidsLimit: limits.pidsLimit,
      Memory: memoryBytes,
      // Equal to Memory: no swap.
      MemorySwap: memoryBytes,
      NanoCpus: Math.round(limits.cpus * 1e9),
      Ulimits: [
        { Name: 'core', Soft: 0, Hard: 0 },
        // /dev/mqueue stays mounted (mode 1777) even with IpcMode none; a zero budget makes creating anything there fail.
        { Name: 'msgqueue', Soft: 0, Hard: 0 },
        // Open files per process, pinned rather than inherited from the daemon (often 1M): enough for any tool.
        { Name: 'nofile', Soft: OPEN_FILES_LIMIT, Hard: OPEN_FILES_LIMIT },
      ],
      Init: true,
      AutoRemove: false,
      // Tools run as execs, whose output never reaches the log; keep nothing on the host disk.
      LogConfig: { Type: 'none', Config: {} },
      RestartPolicy: { Name: 'no' },
    },
  };
  if (opts.name !== undefined) config.name = opts.name;
  return config;
}
