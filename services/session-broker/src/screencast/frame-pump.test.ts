import { createCdpConnection } from '@nightglow/cdp';
import { createFakeBrowser, flush } from '@nightglow/cdp/testing';
import { createManualClock } from '@nightglow/runtime';
import { describe, expect, it } from 'vitest';
import { pumpFrames } from './frame-pump.js';

const frame = (n: number) => ({
  data: Buffer.from(`jpeg-${n}`).toString('base64'),
  sessionId: n,
  metadata: {
    offsetTop: 0,
    pageScaleFactor: 1,
    deviceWidth: 800,
    deviceHeight: 600,
    scrollOffsetX: 0,
    scrollOffsetY: 0,
  },
});

describe('frame pump', () => {
  it('acknowledges a frame only after it was taken, and not faster than max fps', async () => {
    const browser = createFakeBrowser();
    let n = 0;
    browser.handle('Page.startScreencast', () => (browser.emit('Page.screencastFrame', frame(++n), 'S1'), undefined));
    browser.handle(
      'Page.screencastFrameAck',
      () => (browser.emit('Page.screencastFrame', frame(++n), 'S1'), undefined),
    );
    const connection = createCdpConnection(browser.transport);
    const clock = createManualClock(0);
    const abort = new AbortController();
    const frames = pumpFrames({
      connection,
      sessionId: 'S1',
      maxFps: 2,
      quality: 60,
      maxWidth: 800,
      maxHeight: 600,
      clock,
      signal: abort.signal,
    });
    const acks = () => browser.log().filter((m) => m === 'Page.screencastFrameAck@S1').length;

    expect((await frames.next()).value?.sessionId).toBe(1);
    await flush();
    expect(acks()).toBe(0); // taken but the consumer has not asked for more: no ack yet
    expect((await frames.next()).value?.sessionId).toBe(2); // first ack goes out at once
    const third = frames.next();
    await flush();
    clock.advance(499);
    await flush();
    expect(acks()).toBe(1); // 2 fps: the next ack waits 500 ms after the previous one
    clock.advance(1);
    expect((await third).value?.sessionId).toBe(3);
    expect(acks()).toBe(2);

    const fourth = frames.next();
    abort.abort();
    clock.advance(1_000);
    expect((await fourth).done).toBe(true);
    await flush();
    expect(browser.log()).toContain('Page.stopScreencast@S1');
    expect(browser.received.find((m) => m.method === 'Page.startScreencast')?.params).toMatchObject({
      format: 'jpeg',
      quality: 60,
    });
  });

  it('ends when the page session detaches', async () => {
    const browser = createFakeBrowser();
    const connection = createCdpConnection(browser.transport);
    const frames = pumpFrames({
      connection,
      sessionId: 'S1',
      maxFps: 5,
      quality: 60,
      maxWidth: 1,
      maxHeight: 1,
      clock: createManualClock(0),
      signal: new AbortController().signal,
    });
    const next = frames.next();
    await flush();
    browser.emit('Target.detachedFromTarget', { sessionId: 'S1' });
    expect((await next).done).toBe(true);
  });
});
