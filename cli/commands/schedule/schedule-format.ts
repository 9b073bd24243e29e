// How schedule commands print times and a schedule's timetable.
import type { ScheduleDescription } from '@temporalio/client';
import { originOf } from '../../../client/schedules.js';

export const formatTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** "every 6h" or `cron "0 3 * * *"`, with jitter, as given to create or update (or the raw spec otherwise). */
export function timetable(description: Pick<ScheduleDescription, 'action' | 'spec'>): string {
  const origin = originOf(description);
  const jitter = origin?.jitter ? `, jitter ${origin.jitter}` : '';
  if (origin?.every) return `every ${origin.every}${jitter}`;
  if (origin?.cron) return `cron "${origin.cron}"${jitter}`;
  const every = description.spec?.intervals?.[0]?.every;
  return every === undefined ? 'calendar' : `every ${Number(every) / 1000} s`;
}
