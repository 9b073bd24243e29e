// A Temporal client for one command: TEMPORAL_ADDRESS, or the local dev server (started with its persistent
// database when it is not running); the connection is closed when the command's work is done.
import { Client } from '@temporalio/client';
import { connectClient, ensureTemporal } from '../worker/temporal-server.js';

export async function withTemporalClient<T>(fn: (client: Client, address: string) => Promise<T>): Promise<T> {
  const target = await ensureTemporal((line) => console.error(line));
  const connection = await connectClient(target);
  try {
    return await fn(new Client({ connection, namespace: target.namespace }), target.address);
  } finally {
    await connection.close();
  }
}
