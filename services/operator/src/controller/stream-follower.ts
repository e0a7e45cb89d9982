/**
 * Follows external objects (broker sessions, executor tasks) through their
 * watch streams, so status follows events instead of a polling timer. A
 * reconciler calls `follow(id, key)`: the first call opens the stream, every
 * update is kept as `latest` and wakes the object's key in the controller's
 * queue. While a stream is not live (CONNECTING, or BROKEN after an error)
 * the reconciler falls back to polling; a broken stream is reopened with
 * exponential backoff, and its first update makes it LIVE again (waking the
 * key, so polling stops).
 *
 * Per id: CONNECTING → LIVE ⇄ BROKEN → ENDED (the stream finished after a
 * final value) or forgotten. The follower itself is an {@link ExternalSource}:
 * streams run only between `start` (the controllers of a leadership term
 * start) and `stop` (they stop), which closes every stream.
 */
import type { Clock, Logger, TimerHandle } from '@nightglow/runtime';
import type { WatchUpdate } from '../clients/watch-update.js';

/** A source of keys from outside the Kubernetes API, run with the controller it feeds. */
export type ExternalSource = {
  /** Begins delivering keys to `enqueue`. */
  start(enqueue: (key: string) => void): void;
  /** Stops delivering and releases every resource. */
  stop(): Promise<void>;
};

/** A followed stream's state. */
export type FollowState = 'CONNECTING' | 'LIVE' | 'BROKEN' | 'ENDED';

/** What a stream has said about one id. `latest` is trustworthy only when LIVE or ENDED. */
export type Followed<T> = { readonly state: FollowState; readonly latest: T | undefined };

/** The follower of one kind of stream. */
export type StreamFollower<T> = ExternalSource & {
  /** Follows `id` for the object `key` (idempotent; opens the stream on the first call). CONNECTING while stopped. */
  follow(id: string, key: string): Followed<T>;
  /** Closes the stream of `id` (a finished or deleted object). */
  forget(id: string): void;
  /** Closes every stream followed for `key` (the object is gone). */
  forgetKey(key: string): void;
  /** Ids followed now. */
  size(): number;
};

/** Options of {@link createStreamFollower}. */
export type StreamFollowerOptions<T> = {
  /** For logs, e.g. `task`. */
  readonly name: string;
  /** Opens the stream of `id`; aborting `signal` ends it. */
  readonly open: (id: string, signal: AbortSignal) => AsyncIterable<WatchUpdate<T>>;
  /** A value after which the stream may end normally (a finished task); any other end counts as broken. */
  readonly isFinal: (value: T) => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Reopen delays: doubling from `initialMs` (default 500) up to `maxMs` (default 30 s). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
};

type Entry<T> = {
  key: string;
  state: FollowState;
  latest: T | undefined;
  failures: number;
  abort: AbortController;
  timer: TimerHandle | undefined;
  done: Promise<void>;
};

/** Creates a {@link StreamFollower}; nothing is opened before `start`. */
export function createStreamFollower<T>(opts: StreamFollowerOptions<T>): StreamFollower<T> {
  const entries = new Map<string, Entry<T>>();
  const log = opts.logger.child({ follower: opts.name });
  const initialMs = opts.backoff?.initialMs ?? 500;
  const maxMs = opts.backoff?.maxMs ?? 30_000;
  let enqueue: ((key: string) => void) | undefined;

  const current = (id: string, e: Entry<T>): boolean => entries.get(id) === e && !e.abort.signal.aborted;
  const wake = (e: Entry<T>): void => enqueue?.(e.key);

  async function consume(id: string, e: Entry<T>): Promise<void> {
    e.latest = undefined;
    try {
      for await (const update of opts.open(id, e.abort.signal)) {
        if (!current(id, e)) return;
        if (update.kind === 'value') e.latest = update.value;
        e.state = 'LIVE';
        e.failures = 0;
        wake(e);
      }
      if (!current(id, e)) return;
      if (e.latest !== undefined && opts.isFinal(e.latest)) {
        e.state = 'ENDED';
        wake(e);
        return;
      }
      throw new Error('the stream ended before a final state');
    } catch (err) {
      if (!current(id, e)) return;
      e.state = 'BROKEN';
      e.failures += 1;
      const delay = Math.min(maxMs, initialMs * 2 ** (e.failures - 1));
      log.warn({ id, err, retryInMs: delay }, 'watch stream broke: polling until it is back');
      wake(e);
      e.timer = opts.clock.setTimeout(() => {
        e.timer = undefined;
        if (current(id, e)) e.done = consume(id, e);
      }, delay);
    }
  }

  function close(id: string): void {
    const e = entries.get(id);
    if (!e) return;
    entries.delete(id);
    e.abort.abort();
    e.timer?.cancel();
  }

  return {
    follow(id, key) {
      const known = entries.get(id);
      if (known) {
        known.key = key;
        return { state: known.state, latest: known.latest };
      }
      if (!enqueue) return { state: 'CONNECTING', latest: undefined };
      const e: Entry<T> = {
        key,
        state: 'CONNECTING',
        latest: undefined,
        failures: 0,
        abort: new AbortController(),
        timer: undefined,
        done: Promise.resolve(),
      };
      entries.set(id, e);
      e.done = consume(id, e);
      return { state: 'CONNECTING', latest: undefined };
    },
    forget: close,
    forgetKey(key) {
      for (const [id, e] of [...entries]) if (e.key === key) close(id);
    },
    size: () => entries.size,
    start(fn) {
      enqueue = fn;
    },
    async stop() {
      enqueue = undefined;
      const running = [...entries.values()].map((e) => e.done);
      for (const id of [...entries.keys()]) close(id);
      await Promise.allSettled(running);
    },
  };
}
