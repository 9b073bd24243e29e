// A recorded workflow history read as the steps a person debugging a run wants to see: each model call with its
// prompt size, output and time; each tool call with its arguments, result and time; the probe's reading and the
// verdict; child workflows and how the workflow ended. Built from the history's own events and payloads, so it
// shows what happened in that run, not what the current code would do.
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TokenUsage } from '../schemas/types.js';

type History = temporal.api.history.v1.IHistory;

/** The marker a local activity's result is recorded in (Temporal's core SDK names it so). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

// A history read from JSON carries its timestamps' seconds as numbers or strings, one fetched from the service as
// Longs; all three print as the integer they hold.
const tsToMs = (ts: temporal.api.history.v1.IHistoryEvent['eventTime']) =>
  ts ? Number(String(ts.seconds ?? 0)) * 1000 + (ts.nanos ?? 0) / 1e6 : 0;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

export interface HistoryStep {
  /** Milliseconds from the workflow's start to when the step was scheduled. */
  atMs: number;
  /** Scheduled to completed (activities), or started to ended (child workflows). */
  durationMs: number | null;
  kind: 'model' | 'tool' | 'probe' | 'verdict' | 'activity' | 'child' | 'end';
  title: string;
  details: string[];
}

const decode = (payloads: Payloads): unknown[] =>
  (payloads?.payloads ?? []).map((p) => {
    try {
      return defaultPayloadConverter.fromPayload(p);
    } catch {
      return '<undecodable payload>';
    }
  });

export const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text);
const json = (value: unknown, max: number) => clip(typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined', max);

interface Pending {
  atMs: number;
  scheduledMs: number;
  name: string;
  input: unknown[];
}

/** What one finished activity means, by its type; unknown types show their input and result as JSON. */
function describeActivity(name: string, input: unknown[], result: unknown, max: number): Pick<HistoryStep, 'kind' | 'title' | 'details'> {
  if (name === 'modelStep') {
    const messages = ((input[0] as { messages?: Array<{ content?: string }> })?.messages ?? []);
    const chars = JSON.stringify(messages).length;
    const out = result as { ok?: boolean; step?: { raw: string; durationMs: number; usage?: TokenUsage }; error?: string; raw?: string };
    const details = [`prompt: ${messages.length} messages, ${chars} characters`];
    if (out?.ok && out.step) {
      details.push(`output: ${clip(out.step.raw, max)}`, `model time: ${(out.step.durationMs / 1000).toFixed(2)} s`);
      const usage = out.step.usage;
      if (usage) {
        const reused = usage.promptTokens - usage.evaluatedTokens;
        details.push(`tokens: ${usage.promptTokens} prompt (${usage.evaluatedTokens} evaluated, ${reused} reused), ${usage.completionTokens} generated`);
      }
    } else if (out) details.push(`invalid output: ${clip(out.error ?? '', max)}`, `raw: ${clip(out.raw ?? '', max)}`);
    return { kind: 'model', title: 'model call', details };
  }
  if (name === 'toolStep') {
    const call = input[2] as { name?: string; arguments?: unknown } | undefined;
    const r = result as { exitCode?: number; output?: string; truncated?: boolean; timedOut?: boolean } | undefined;
    const flags = [r?.timedOut ? 'timed out' : '', r?.truncated ? 'truncated' : ''].filter(Boolean).join(', ');
    return {
      kind: 'tool',
      title: `tool ${call?.name ?? '?'}`,
      details: [`arguments: ${json(call?.arguments ?? {}, max)}`, `result: [exit ${r?.exitCode ?? '?'}${flags ? `, ${flags}` : ''}] ${clip((r?.output ?? '').trim(), max)}`],
    };
  }
  if (name === 'probeState') return { kind: 'probe', title: 'probe', details: [`reading: ${json(result, max)}`] };
  if (name === 'verifyOutcome') {
    const v = result as { passed?: boolean; errors?: string[] } | undefined;
    return { kind: 'verdict', title: `verdict: ${v?.passed ? 'PASSED' : 'failed'}`, details: (v?.errors ?? []).map((e) => clip(e, max)) };
  }
  return { kind: 'activity', title: name, details: [`input: ${json(input.length === 1 ? input[0] : input, max)}`, `result: ${json(result, max)}`] };
}

/** The steps of one history, in the order they were scheduled. `max` clips long texts. */
export function historySteps(history: History, max = 300): HistoryStep[] {
  const events = history.events ?? [];
  if (events.length === 0) return [];
  const startMs = tsToMs(events[0].eventTime);
  const activities = new Map<number, Pending>();
  const children = new Map<number, Pending>();
  const steps: HistoryStep[] = [];
  const at = (e: temporal.api.history.v1.IHistoryEvent) => tsToMs(e.eventTime) - startMs;

  for (const e of events) {
    const id = Number(e.eventId);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      activities.set(id, { atMs: at(e), scheduledMs: tsToMs(e.eventTime), name: scheduled.activityType?.name ?? '?', input: decode(scheduled.input) });
      continue;
    }
    const ended = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (ended) {
      const pending = activities.get(Number(ended.scheduledEventId));
      if (!pending) continue;
      const durationMs = tsToMs(e.eventTime) - pending.scheduledMs;
      if (e.activityTaskCompletedEventAttributes) {
        const [result] = decode(e.activityTaskCompletedEventAttributes.result);
        steps.push({ atMs: pending.atMs, durationMs, ...describeActivity(pending.name, pending.input, result, max) });
      } else {
        const failure = e.activityTaskFailedEventAttributes?.failure ?? e.activityTaskTimedOutEventAttributes?.failure;
        const how = e.activityTaskCanceledEventAttributes ? 'cancelled' : e.activityTaskTimedOutEventAttributes ? 'timed out' : 'failed';
        steps.push({ atMs: pending.atMs, durationMs, kind: 'activity', title: `${pending.name} ${how}`, details: [clip(failure?.message ?? '', max)] });
      }
      continue;
    }
    // A local activity (verification) leaves a marker with its type and result instead of scheduled/completed events.
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === LOCAL_ACTIVITY_MARKER) {
      const [data] = decode(marker.details?.data) as Array<{ activity_type?: string } | undefined>;
      const name = data?.activity_type ?? 'local activity';
      if (marker.failure) {
        steps.push({ atMs: at(e), durationMs: null, kind: 'activity', title: `${name} failed`, details: [clip(marker.failure.message ?? '', max)] });
      } else {
        const [result] = decode(marker.details?.result);
        steps.push({ atMs: at(e), durationMs: null, ...describeActivity(name, [], result, max) });
      }
      continue;
    }
    const child = e.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child) {
      children.set(id, { atMs: at(e), scheduledMs: tsToMs(e.eventTime), name: `${child.workflowType?.name ?? '?'} ${child.workflowId ?? ''}`, input: [] });
      continue;
    }
    const childEnd = e.childWorkflowExecutionCompletedEventAttributes ?? e.childWorkflowExecutionFailedEventAttributes ?? e.childWorkflowExecutionCanceledEventAttributes
      ?? e.childWorkflowExecutionTimedOutEventAttributes ?? e.childWorkflowExecutionTerminatedEventAttributes;
    if (childEnd) {
      const pending = children.get(Number(childEnd.initiatedEventId));
      if (!pending) continue;
      const how = e.childWorkflowExecutionCompletedEventAttributes ? 'completed' : e.childWorkflowExecutionFailedEventAttributes ? 'failed' : 'ended';
      const result = e.childWorkflowExecutionCompletedEventAttributes ? json(decode(e.childWorkflowExecutionCompletedEventAttributes.result)[0], max) : clip(e.childWorkflowExecutionFailedEventAttributes?.failure?.message ?? '', max);
      steps.push({ atMs: pending.atMs, durationMs: tsToMs(e.eventTime) - pending.scheduledMs, kind: 'child', title: `child ${pending.name} ${how}`, details: [result] });
      continue;
    }
    const done = e.workflowExecutionCompletedEventAttributes;
    const failed = e.workflowExecutionFailedEventAttributes;
    if (done || failed || e.workflowExecutionContinuedAsNewEventAttributes || e.workflowExecutionCanceledEventAttributes || e.workflowExecutionTerminatedEventAttributes) {
      const title = done ? 'workflow completed' : failed ? 'workflow failed' : e.workflowExecutionContinuedAsNewEventAttributes ? 'workflow continued as new' : 'workflow cancelled or terminated';
      const details = done ? [`result: ${json(decode(done.result)[0], max)}`] : failed ? [clip(failed.failure?.message ?? '', max)] : [];
      steps.push({ atMs: at(e), durationMs: null, kind: 'end', title, details });
    }
  }
  // Steps are found when they end; show them in the order they began.
  return steps.sort((a, b) => a.atMs - b.atMs);
}

/** The steps as text: one line per step with its start offset and duration, then its details indented. */
export function renderHistorySteps(steps: HistoryStep[]): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return steps
    .map((s, i) => {
      const head = `${String(i + 1).padStart(3)}. [+${seconds(s.atMs)}] ${s.title}${s.durationMs === null ? '' : ` (${seconds(s.durationMs)})`}`;
      return [head, ...s.details.map((d) => `       ${d.replace(/\n/g, '\n       ')}`)].join('\n');
    })
    .join('\n');
}
