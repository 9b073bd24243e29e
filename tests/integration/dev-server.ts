// The real Temporal dev server for integration tests: the `temporal` CLI that setup provisions, started by
// @temporalio/testing on a free port. Where setup could not provide a CLI, the SDK downloads its own.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from '../../worker/temporal-server.js';

export function startDevServer(): Promise<TestWorkflowEnvironment> {
  const cli = findTemporalCli();
  return TestWorkflowEnvironment.createLocal(cli ? { server: { executable: { type: 'existing-path', path: cli } } } : {});
}
