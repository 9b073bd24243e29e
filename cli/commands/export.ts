// `tasksynth export --format openai-chat|engine-tokens --out FILE`: accepted trajectories as training data.
import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { statePaths } from '../../config/paths.js';
import { exportEngineTokens } from '../../data/export/engine-tokens.js';
import { exportOpenAIChat } from '../../data/export/openai-chat.js';
import { Store } from '../../data/store.js';
import { EmbeddedEngine } from '../../inference/embedded-engine.js';
import { resolveModelPath } from '../../inference/model-path.js';
import { engineFingerprint } from '../../worker/queue-names.js';
import { checkOutputFile } from '../output-file.js';
import { UsageError } from '../../core/usage-error.js';

interface ExportArgs {
  format: 'openai-chat' | 'engine-tokens';
  out: string;
  run?: string;
  model?: string;
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'Export accepted trajectories as training data',
  builder: (y) =>
    y
      .option('format', {
        choices: ['openai-chat', 'engine-tokens'] as const,
        default: 'openai-chat' as const,
        describe: 'openai-chat: messages and tools; engine-tokens: each model step as the embedded engine\'s token ids, loss on the model\'s own',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'output file (JSONL)' })
      .option('run', { type: 'string', describe: 'only this run id (default: every run)' })
      .option('model', { type: 'string', describe: 'engine-tokens: the GGUF model whose runs to export (default TASKSYNTH_MODEL or SmolLM2)' }) as never,
  handler: async (args) => {
    checkOutputFile(args.out, '--out');
    const database = statePaths.database();
    if (!existsSync(database)) throw new Error(`no tasksynth database at ${database} (is TASKSYNTH_HOME right? has a run finished?)`);
    const store = Store.open(database);
    try {
      if (args.run && !store.getRun(args.run)) throw new Error(`no run ${args.run} in ${database}`);
      if (args.run && (store.getRun(args.run)!.config as { purpose?: string } | null)?.purpose === 'evaluation') {
        throw new UsageError(`--run ${args.run} is an evaluation run: its tasks are held out, and its trajectories are never exported`);
      }
      if (args.format === 'openai-chat') {
        const { lines, file } = await exportOpenAIChat(store, args.out, { runId: args.run });
        console.log(`wrote ${lines} trajectories (${args.format}) to ${file}`);
        return;
      }
      const path = args.model ?? resolveModelPath();
      const model = engineFingerprint({ engine: 'embedded', path });
      // Only the tokenizer and chat wrapper are used: the smallest context will do.
      const engine = await EmbeddedEngine.load(path, { sequences: 1, contextSize: 512, adaptThreads: false });
      try {
        const done = await exportEngineTokens(store, engine, model, args.out, { runId: args.run });
        console.log(`wrote ${done.lines} model steps (${args.format}, ${model}) to ${done.file}`);
        if (done.skippedSteps > 0) console.log(`  skipped ${done.skippedSteps} steps stored without their output tokens (runs before tokens were kept)`);
        if (done.skippedRuns.length > 0) console.log(`  skipped runs of another model: ${done.skippedRuns.join(', ')}`);
      } finally {
        await engine.close();
      }
    } finally {
      store.close();
    }
  },
};
