// The Temporal worker logs every state change at INFO; a command line wants warnings only, unless asked.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

export function installRuntimeLogging(level: LogLevel = (process.env.TASKSYNTH_LOG_LEVEL as LogLevel) ?? 'WARN'): void {
  if (installed) return;
  Runtime.install({ logger: new DefaultLogger(level) });
  installed = true;
}
