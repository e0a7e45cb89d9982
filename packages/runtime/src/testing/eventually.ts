/** Options of {@link eventually}. */
export type EventuallyOptions = {
  /** Give up after this long; default 15 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between two probes; default 50 ms. */
  readonly intervalMs?: number;
};

/**
 * Polls `probe` until it returns something other than `undefined`, and
 * resolves with that. A probe that throws counts as "not yet" (a server still
 * starting refuses connections); after `timeoutMs` it throws an error naming
 * `what`, with the probe's last error as its cause.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
