// The live progress line of `tasksynth run`: tasks done, episodes, pass rate, elapsed time.
import cliProgress from 'cli-progress';
import type { RunProgress } from '../workflows/messages.js';

export function passRateText(passed: number, total: number): string {
  return total === 0 ? '-' : `${((100 * passed) / total).toFixed(1)}%`;
}

export function createProgressView() {
  const bar = new cliProgress.SingleBar(
    {
      format:
        'tasks {bar} {value}/{total} | accepted {accepted} rejected {rejected} | episodes {episodes} | model pass rate {rate} | {duration_formatted}',
      hideCursor: true,
      noTTYOutput: true, // in CI (no TTY) print a plain line now and then instead of redrawing
      notTTYSchedule: 5000,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p: RunProgress) {
      const payload = {
        accepted: p.tasksAccepted,
        rejected: p.tasksRejected,
        episodes: p.episodesDone,
        rate: passRateText(p.modelEpisodesPassed, p.modelEpisodesDone),
      };
      if (!started) {
        bar.start(p.tasksTotal, p.tasksDone, payload);
        started = true;
      } else {
        bar.setTotal(p.tasksTotal);
        bar.update(p.tasksDone, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
