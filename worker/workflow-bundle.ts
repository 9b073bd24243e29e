// The workflow code is bundled once at build time (`npm run build`) instead of at every worker start.
// Run as a script, this file writes the bundle; workers load it with `workflowBundleOption()`.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { projectRoot } from '../config/paths.js';

const bundlePath = () => join(projectRoot(), 'dist', 'workflow-bundle.js');
const workflowsPath = () => join(projectRoot(), 'dist', 'workflows', 'index.js');

/** The prebuilt bundle when it exists, else the workflow sources (bundled at worker start). */
export function workflowBundleOption(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  return existsSync(bundlePath()) ? { workflowBundle: { codePath: bundlePath() } } : { workflowsPath: workflowsPath() };
}

async function writeBundle(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath() });
  writeFileSync(bundlePath(), code);
  console.log(`workflow bundle: ${bundlePath()} (${(code.length / 1024).toFixed(0)} KiB)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeBundle().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
