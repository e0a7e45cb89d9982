import { describe, expect, it } from 'vitest';
import { choosePlacement, type PlacementCandidate } from './placement.js';

const b = (id: string, over: Partial<PlacementCandidate> = {}): PlacementCandidate => ({
  id,
  state: 'READY',
  role: 'shared',
  sessionCount: 0,
  maxSessions: 5,
  ...over,
});

describe('placement', () => {
  it('puts a CONTEXT session on the least-loaded shared browser, not the next in turn', () => {
    const browsers = [b('b1', { sessionCount: 3 }), b('b2', { sessionCount: 1 }), b('b3', { sessionCount: 2 })];
    expect(choosePlacement(browsers, 'CONTEXT', true)).toEqual({ kind: 'use', browserId: 'b2', role: 'shared' });
  });

  it('skips full, draining and unhealthy browsers', () => {
    const browsers = [
      b('b1', { sessionCount: 5 }),
      b('b2', { state: 'DRAINING' }),
      b('b3', { state: 'UNHEALTHY' }),
      b('b4', { sessionCount: 4 }),
    ];
    expect(choosePlacement(browsers, 'CONTEXT', false)).toMatchObject({ kind: 'use', browserId: 'b4' });
  });

  it('promotes a warm browser when every shared one is full, else launches', () => {
    const full = [b('b1', { sessionCount: 5 })];
    expect(choosePlacement([...full, b('w1', { role: 'warm' })], 'CONTEXT', true)).toEqual({
      kind: 'use',
      browserId: 'w1',
      role: 'shared',
    });
    expect(choosePlacement(full, 'CONTEXT', true)).toEqual({ kind: 'launch', role: 'shared' });
    expect(choosePlacement(full, 'CONTEXT', false)).toMatchObject({ kind: 'none' });
  });

  it('gives a BROWSER session a warm browser of its own, never a shared one', () => {
    const browsers = [b('s1'), b('w1', { role: 'warm' })];
    expect(choosePlacement(browsers, 'BROWSER', true)).toEqual({ kind: 'use', browserId: 'w1', role: 'dedicated' });
    expect(choosePlacement([b('s1')], 'BROWSER', true)).toEqual({ kind: 'launch', role: 'dedicated' });
    expect(choosePlacement([b('d1', { role: 'dedicated' })], 'BROWSER', false)).toMatchObject({ kind: 'none' });
  });

  it('waits for a starting browser with room rather than launching another', () => {
    const browsers = [b('b1', { state: 'STARTING', sessionCount: 1 })];
    expect(choosePlacement(browsers, 'CONTEXT', true)).toMatchObject({ kind: 'use', browserId: 'b1' });
  });

  it('prefers a READY browser over a STARTING one at equal load', () => {
    const browsers = [b('a', { state: 'STARTING' }), b('b')];
    expect(choosePlacement(browsers, 'CONTEXT', true)).toMatchObject({ kind: 'use', browserId: 'b' });
  });
});
