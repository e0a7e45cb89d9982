import { describe, expect, it } from 'vitest';
import { createLogger, createManualClock } from '@nightglow/runtime';
import { OperatorError } from '../errors.js';
import { createFakeStreams } from '../testing/fakes.js';
import { createStreamFollower } from './stream-follower.js';

type Item = { n: number; final?: boolean };
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const clock = createManualClock(0);
  const streams = createFakeStreams<Item>();
  const woken: string[] = [];
  const follower = createStreamFollower<Item>({
    name: 'test',
    open: (id, signal) => streams.open(id, signal),
    isFinal: (i) => i.final === true,
    clock,
    logger: createLogger({ service: 'operator-test', level: 'silent' }),
    backoff: { initialMs: 100, maxMs: 400 },
  });
  return { clock, streams, woken, follower };
}

describe('stream follower', () => {
  it('opens nothing while stopped', async () => {
    const { streams, follower } = setup();
    expect(follower.follow('a', 'ns/a')).toEqual({ state: 'CONNECTING', latest: undefined });
    await flush();
    expect(streams.opens('a')).toBe(0);
    expect(follower.size()).toBe(0);
  });

  it('goes LIVE with the first update, keeps the latest value and wakes the key on each', async () => {
    const { streams, woken, follower } = setup();
    follower.start((k) => woken.push(k));
    expect(follower.follow('a', 'ns/a').state).toBe('CONNECTING');
    follower.follow('a', 'ns/a');
    await flush();
    expect(streams.opens('a')).toBe(1);
    streams.push('a', { kind: 'value', value: { n: 1 } });
    await flush();
    expect(follower.follow('a', 'ns/a')).toEqual({ state: 'LIVE', latest: { n: 1 } });
    streams.push('a', { kind: 'value', value: { n: 2 } });
    await flush();
    expect(follower.follow('a', 'ns/a').latest).toEqual({ n: 2 });
    expect(woken).toEqual(['ns/a', 'ns/a']);
  });

  it('a `synced` without a value is LIVE with nothing known', async () => {
    const { streams, follower } = setup();
    follower.start(() => undefined);
    follower.follow('a', 'ns/a');
    await flush();
    streams.push('a', { kind: 'synced' });
    await flush();
    expect(follower.follow('a', 'ns/a')).toEqual({ state: 'LIVE', latest: undefined });
  });

  it('marks a broken stream BROKEN, wakes the key, and reopens it with doubling backoff until it is LIVE again', async () => {
    const { clock, streams, woken, follower } = setup();
    follower.start((k) => woken.push(k));
    follower.follow('a', 'ns/a');
    await flush();
    streams.push('a', { kind: 'value', value: { n: 1 } });
    await flush();
    streams.fail('a', new OperatorError('UNAVAILABLE', 'executor draining'));
    await flush();
    expect(follower.follow('a', 'ns/a').state).toBe('BROKEN');
    expect(woken).toEqual(['ns/a', 'ns/a']);
    clock.advance(99);
    await flush();
    expect(streams.opens('a')).toBe(1);
    clock.advance(1);
    await flush();
    expect(streams.opens('a')).toBe(2);
    // Still broken until the reopened stream says something; the old value is not trusted.
    expect(follower.follow('a', 'ns/a')).toEqual({ state: 'BROKEN', latest: undefined });
    streams.fail('a', new OperatorError('UNAVAILABLE', 'still down'));
    await flush();
    clock.advance(199);
    await flush();
    expect(streams.opens('a')).toBe(2);
    clock.advance(1);
    await flush();
    expect(streams.opens('a')).toBe(3);
    streams.push('a', { kind: 'value', value: { n: 5 } });
    await flush();
    expect(follower.follow('a', 'ns/a')).toEqual({ state: 'LIVE', latest: { n: 5 } });
    expect(woken.at(-1)).toBe('ns/a');
  });

  it('ENDED after a final value; an end before one counts as broken', async () => {
    const { streams, follower } = setup();
    follower.start(() => undefined);
    follower.follow('a', 'ns/a');
    follower.follow('b', 'ns/b');
    await flush();
    streams.push('a', { kind: 'value', value: { n: 1, final: true } });
    streams.push('b', { kind: 'value', value: { n: 1 } });
    streams.end('a');
    streams.end('b');
    await flush();
    expect(follower.follow('a', 'ns/a')).toEqual({ state: 'ENDED', latest: { n: 1, final: true } });
    expect(follower.follow('b', 'ns/b').state).toBe('BROKEN');
  });

  it('forget, forgetKey and stop close the streams', async () => {
    const { clock, streams, follower } = setup();
    follower.start(() => undefined);
    follower.follow('a', 'ns/a');
    follower.follow('b', 'ns/b');
    follower.follow('c', 'ns/c');
    await flush();
    expect([streams.active('a'), streams.active('b'), streams.active('c')]).toEqual([1, 1, 1]);
    follower.forget('a');
    follower.forgetKey('ns/b');
    await flush();
    expect([streams.active('a'), streams.active('b'), streams.active('c')]).toEqual([0, 0, 1]);
    streams.fail('c', new Error('boom'));
    await flush();
    await follower.stop();
    expect(follower.size()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(follower.follow('c', 'ns/c').state).toBe('CONNECTING');
    await flush();
    expect(streams.opens('c')).toBe(1);
  });
});
