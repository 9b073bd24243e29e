// `npm run bench`: every throughput benchmark, one after another, each in its own process (so none inherits
// another's loaded model, heap or pool), then the lines that state a goal, gathered in one place.
// BENCH_ONLY=a,b runs only those (names as below). Each benchmark's own header says what it compares.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECTIONS = [
  'sandbox-costs', // warm acquire, cold create vs docker run, exec vs docker exec
  'sandbox-tool-calls', // a tool call in the episode's container vs a fresh container per call
  'openai-throughput', // model steps through the worker's activities against a stub server: achieved vs C/L
  'decode-speed', // the embedded engine's decode tokens/s vs node-llama-cpp called directly
  'pipeline-vs-bare', // the quickstart through Temporal vs a bare loop; model share; prefix reuse vs cleared
] as const;

const here = dirname(fileURLToPath(import.meta.url));

function runSection(name: string): Promise<{ name: string; code: number; goals: string[]; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, `${name}.js`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const goals: string[] = [];
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      goals.push(...lines.filter((l) => /\(goal /.test(l)));
    });
    child.on('close', (code) => {
      if (/\(goal /.test(pending)) goals.push(pending);
      resolve({ name, code: code ?? 1, goals, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((s) => !(SECTIONS as readonly string[]).includes(s)) ?? [];
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names no benchmark ${unknown.join(', ')}; there are: ${SECTIONS.join(', ')}`);
  const results = [];
  for (const name of SECTIONS.filter((s) => !only || only.includes(s))) {
    console.log(`\n=== ${name} ===`);
    results.push(await runSection(name));
  }
  console.log('\n=== goals ===');
  for (const r of results) {
    const status = r.code === 0 ? `${r.seconds.toFixed(0)} s` : `FAILED (exit ${r.code})`;
    console.log(`${r.name} (${status})`);
    for (const g of r.goals) console.log(`  ${g.trim()}`);
  }
  if (results.some((r) => r.code !== 0)) process.exit(1);
}

main().catch((error) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
