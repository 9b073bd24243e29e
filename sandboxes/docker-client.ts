// The one place that decides how to reach the Docker engine.
import Docker from 'dockerode';

const PING_TIMEOUT_MS = 5_000;

/** A client for the engine named by DOCKER_HOST, else the default local socket. */
export function connectDocker(): Docker {
  // No options on purpose: docker-modem then reads DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH itself.
  return new Docker();
}

/** Where connectDocker() looks, for error messages. */
export function dockerEndpoint(): string {
  return process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'unix:///var/run/docker.sock';
}

/** Resolves when an engine answers; throws an Error that says where it looked and what to do. */
export async function pingDocker(docker: Docker): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), PING_TIMEOUT_MS);
  try {
    // dockerode accepts abortSignal here though its types omit the argument.
    const ping = docker.ping as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping.call(docker, { abortSignal: abort.signal });
  } catch (err) {
    const why = abort.signal.aborted ? `no answer within ${PING_TIMEOUT_MS / 1000} s` : errorText(err);
    throw new Error(
      `No Docker engine answers at ${dockerEndpoint()} (${why}). ` +
        'Start Docker (run `npm run setup`), or point DOCKER_HOST at a running engine.',
    );
  } finally {
    clearTimeout(timer);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
