import { create } from '@bufbuild/protobuf';
import { InstrumentKind, MeasurementSchema, type Measurement } from '@nightglow/contracts/instrumentation/v1';
import { describe, expect, it } from 'vitest';
import { createMeasurementHub } from './measurement-hub.js';

const m = (instrument: string, sessionId: string, value: number): Measurement =>
  create(MeasurementSchema, {
    instrument,
    metric: instrument,
    kind: InstrumentKind.TIMING,
    sessionId,
    value,
    pool: 'p',
  });
const all = { instruments: [], metrics: [], kinds: [], sessionId: '', taskId: '', pool: '' };

describe('measurement hub', () => {
  it('delivers matching measurements live and stops when the subscriber aborts', async () => {
    const hub = createMeasurementHub();
    const abort = new AbortController();
    const got: number[] = [];
    const done = (async () => {
      for await (const x of hub.subscribe({ ...all, sessionId: 's1' }, abort.signal)) {
        got.push(x.value);
        if (got.length === 2) abort.abort();
      }
    })();
    await new Promise((r) => setImmediate(r));
    hub.publish(m('a', 's2', 1));
    hub.publish(m('a', 's1', 2));
    hub.publish(m('b', 's1', 3));
    await done;
    expect(got).toEqual([2, 3]);
    expect(hub.subscribers()).toBe(0);
  });

  it('drops the oldest for a slow subscriber, counted, and ends every stream on close', async () => {
    const hub = createMeasurementHub(2);
    const it = hub.subscribe(all, new AbortController().signal)[Symbol.asyncIterator]();
    const first = it.next();
    hub.publish(m('a', 's', 1));
    expect((await first).value?.value).toBe(1);
    for (const v of [2, 3, 4]) hub.publish(m('a', 's', v));
    expect(hub.dropped()).toBe(1);
    expect((await it.next()).value?.value).toBe(3);
    expect((await it.next()).value?.value).toBe(4);
    const pending = it.next();
    hub.close();
    expect((await pending).done).toBe(true);
  });
});
