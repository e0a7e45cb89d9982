/**
 * Pulls JPEG frames from one page with CDP `Page.startScreencast`. Chromium
 * sends the next frame only after the previous one is acknowledged, so the
 * pump acknowledges a frame only after its consumer took it (a slow client
 * slows the capture instead of buffering) and not before `1000 / maxFps` ms
 * after the previous one (the frame-rate cap). It ends when the signal aborts,
 * the page's session detaches, or the connection closes, and stops the
 * screencast on its way out.
 */
import type { CdpConnection } from '@nightglow/cdp';
import type { Clock } from '@nightglow/runtime';

/** One frame as CDP delivers it (`Page.screencastFrame`). */
export type ScreencastFrame = {
  readonly data: string;
  readonly sessionId: number;
  readonly metadata: {
    readonly offsetTop: number;
    readonly pageScaleFactor: number;
    readonly deviceWidth: number;
    readonly deviceHeight: number;
    readonly scrollOffsetX: number;
    readonly scrollOffsetY: number;
    /** Seconds since the epoch. */
    readonly timestamp?: number;
  };
};

/** Options of {@link pumpFrames}. */
export type FramePumpOptions = {
  readonly connection: CdpConnection;
  /** The flat session attached to the page. */
  readonly sessionId: string;
  readonly maxFps: number;
  readonly quality: number;
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly clock: Clock;
  readonly signal: AbortSignal;
};

/** Yields frames until the signal aborts or the page goes away. */
export async function* pumpFrames(o: FramePumpOptions): AsyncGenerator<ScreencastFrame> {
  const { connection, sessionId, clock, signal } = o;
  const queue: ScreencastFrame[] = [];
  let ended = false;
  let wake: () => void = () => undefined;
  const offs = [
    connection.on(
      'Page.screencastFrame',
      (e) => {
        queue.push(e as unknown as ScreencastFrame);
        wake();
      },
      { sessionId },
    ),
    connection.on('Target.detachedFromTarget', (e) => {
      if (e.sessionId !== sessionId) return;
      ended = true;
      wake();
    }),
    connection.onClose(() => {
      ended = true;
      wake();
    }),
  ];
  const onAbort = (): void => wake();
  signal.addEventListener('abort', onAbort);
  const intervalMs = 1000 / o.maxFps;
  try {
    await connection.send(
      'Page.startScreencast',
      { format: 'jpeg', quality: o.quality, maxWidth: o.maxWidth, maxHeight: o.maxHeight, everyNthFrame: 1 },
      { sessionId },
    );
    let last = -Infinity;
    for (;;) {
      while (queue.length === 0 && !ended && !signal.aborted) await new Promise<void>((r) => (wake = r));
      const frame = queue.shift();
      if (frame === undefined || signal.aborted) return;
      yield frame;
      const wait = last + intervalMs - clock.now();
      if (wait > 0) await clock.sleep(wait, signal).catch(() => undefined);
      if (signal.aborted || ended) return;
      last = clock.now();
      await connection.send('Page.screencastFrameAck', { sessionId: frame.sessionId }, { sessionId });
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    for (const off of offs) off();
    if (connection.state === 'OPEN')
      await connection.send('Page.stopScreencast', {}, { sessionId }).catch(() => undefined);
  }
}
