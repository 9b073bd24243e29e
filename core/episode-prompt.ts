// The system turn every model episode opens with: one place for the workflow and for anything that replays
// episodes outside Temporal (bench/pipeline-vs-bare.ts).
export const SYSTEM_PROMPT = 'You are an agent working in a Linux sandbox. You act only by calling tools, one call per turn.';
