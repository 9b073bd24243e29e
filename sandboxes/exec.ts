// One `docker exec` into a sandbox: as the agent or the verifier, with a wall-clock bound on the host side, output
// kept up to a cap (the rest counted), and the exit code read back from the daemon.
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { userOf, WORK_DIR, type SandboxUser } from './profile.js';

/** Put between stdout and stderr in a failed tool's output. */
export const STDERR_MARKER = '\n--- stderr ---\n';
/** Extra wait on the host beyond the in-container timeout before giving up on an exec. */
export const HOST_GRACE_MS = 5_000;

/** Keeps the first `limit` bytes written and counts the rest. */
export class CappedSink extends Writable {
  private readonly chunks: Buffer[] = [];
  kept = 0;
  total = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.total += chunk.length;
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    done();
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The longest prefix of `buf` of at most `max` bytes that does not split a UTF-8 character. */
export function utf8Prefix(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  let end = Math.max(0, max);
  // Step back over continuation bytes to the lead byte, then drop that incomplete character; at most 3 (no UTF-8
  // character is longer), so bytes that are not UTF-8 at all are cut where they stand, not dropped back to nothing.
  for (let i = 0; i < 3 && end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80; i++) end--;
  return buf.subarray(0, end);
}


export interface RawRun {
  exitCode: number;
  stdout: CappedSink;
  stderr: CappedSink;
  hostTimedOut: boolean;
  durationMs: number;
}

export interface RawExecOptions {
  user: SandboxUser;
  workingDir?: string;
  stdin?: Buffer;
  timeoutMs: number;
  outputLimitBytes: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs cmd in the container and waits for it (at most timeoutMs + HOST_GRACE_MS). */
export async function runExec(docker: Docker, id: string, cmd: string[], opts: RawExecOptions): Promise<RawRun> {
  const started = performance.now();
  const exec = await docker.getContainer(id).exec({
    Cmd: cmd,
    User: userOf(opts.user),
    WorkingDir: opts.workingDir ?? WORK_DIR,
    AttachStdin: opts.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    Privileged: false,
  });
  const stream = (await exec.start({ hijack: true, stdin: opts.stdin !== undefined })) as Duplex;
  const stdout = new CappedSink(opts.outputLimitBytes);
  const stderr = new CappedSink(opts.outputLimitBytes);
  docker.modem.demuxStream(stream, stdout, stderr);

  let hostTimedOut = false;
  let streamError: Error | undefined;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      // The daemon or the command is stuck past the inner timeout: stop waiting.
      hostTimedOut = true;
      stream.destroy();
      resolve();
    }, opts.timeoutMs + HOST_GRACE_MS);
    const finish = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    // E.g. EPIPE when the command exits without reading all its input; the exit code below decides.
    stream.on('error', (err: Error) => {
      streamError ??= err;
    });
    // Half-close after writing so the command sees end of input.
    if (opts.stdin !== undefined) stream.end(opts.stdin);
  });

  let exitCode = -1;
  if (!hostTimedOut) {
    // The stream can end a moment before the daemon records the exit code.
    for (let i = 0; i < 200; i++) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) {
        exitCode = info.ExitCode;
        break;
      }
      await sleep(10);
    }
    if (exitCode === -1 && streamError) throw streamError;
  }
  return { exitCode, stdout, stderr, hostTimedOut, durationMs: performance.now() - started };
}

/** stdout, and on failure stderr after the marker; stderr keeps at least half the budget so the error stays visible. */
export function composeOutput(run: RawRun, limit: number): { output: string; truncated: boolean } {
  const out = run.stdout.bytes();
  const err = run.stderr.bytes();
  let truncated = run.stdout.truncated;
  if (run.exitCode === 0 || run.stderr.total === 0) {
    const text = boundedText(utf8Prefix(out, limit), limit);
    return { output: text.output, truncated: truncated || text.cut };
  }
  truncated ||= run.stderr.truncated;
  const marker = Buffer.from(STDERR_MARKER, 'utf8');
  const errPart = utf8Prefix(err, Math.max(Math.floor(limit / 2), limit - marker.length - out.length));
  const outPart = utf8Prefix(out, Math.max(0, limit - marker.length - errPart.length));
  if (errPart.length < err.length || outPart.length < out.length) truncated = true;
  const joined = utf8Prefix(Buffer.concat([outPart, marker, errPart]), limit);
  if (joined.length < outPart.length + marker.length + errPart.length) truncated = true;
  const text = boundedText(joined, limit);
  return { output: text.output, truncated: truncated || text.cut };
}

/**
 * The bytes as text of at most `limit` UTF-8 bytes. Decoding replaces each invalid or cut-off sequence with U+FFFD
 * (3 bytes, where the sequence may have been 1), so binary output can grow past the limit: the decoded text,
 * valid UTF-8 now, is cut again at a character boundary.
 */
export function boundedText(bytes: Buffer, limit: number): { output: string; cut: boolean } {
  const text = bytes.toString('utf8');
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= limit) return { output: text, cut: false };
  return { output: utf8Prefix(encoded, limit).toString('utf8'), cut: true };
}

