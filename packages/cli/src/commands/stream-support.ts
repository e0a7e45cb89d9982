/** Running a server stream until Ctrl-C, `--limit` items or `--for` a duration, whichever comes first. */
import { Code } from '@connectrpc/connect';
import type { CommandContext } from '../context.js';
import { rpcCode } from '../errors.js';

/** How long and how much to read. */
export type StreamBounds = { readonly limit?: number | undefined; readonly for?: number | undefined };

/**
 * Opens the stream with a signal that aborts on Ctrl-C or after `bounds.for`
 * ms, hands each message to `onItem` (which returns false to stop), and ends
 * quietly when stopped by any of those; server errors propagate.
 * Resolves to the number of items handled.
 */
export async function streamFor<T>(
  ctx: CommandContext,
  bounds: StreamBounds,
  open: (signal: AbortSignal) => AsyncIterable<T>,
  onItem: (item: T) => void | boolean | Promise<void | boolean>,
): Promise<number> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  ctx.io.signal.addEventListener('abort', onAbort);
  const timer = bounds.for !== undefined ? setTimeout(onAbort, bounds.for) : undefined;
  let count = 0;
  try {
    if (ctx.io.signal.aborted) return 0;
    for await (const item of open(stop.signal)) {
      count += 1;
      const goOn = await onItem(item);
      if (goOn === false || (bounds.limit !== undefined && count >= bounds.limit)) break;
    }
  } catch (e) {
    if (!(stop.signal.aborted && rpcCode(e) === Code.Canceled)) throw e;
  } finally {
    clearTimeout(timer);
    ctx.io.signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
  return count;
}
