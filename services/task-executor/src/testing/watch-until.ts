/**
 * Test helper: follows a WatchTask stream until `stop` says so, then cancels
 * the call for real (a `break` out of connect-node's iterator leaves the
 * HTTP/2 stream open, which holds the server's graceful shutdown).
 */
import type { Client } from '@connectrpc/connect';
import type { TaskExecutor, WatchTaskResponse } from '@nightglow/contracts/executor/v1';

/** Watches `taskId` until `stop(event)` is true; resolves the events seen. */
export async function watchUntil(
  client: Client<typeof TaskExecutor>,
  taskId: string,
  stop: (e: WatchTaskResponse) => boolean,
): Promise<WatchTaskResponse[]> {
  const ac = new AbortController();
  const seen: WatchTaskResponse[] = [];
  try {
    for await (const e of client.watchTask(
      { taskId, sendInitialState: true },
      { signal: ac.signal, timeoutMs: 60_000 },
    )) {
      seen.push(e);
      if (stop(e)) ac.abort();
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  }
  return seen;
}
