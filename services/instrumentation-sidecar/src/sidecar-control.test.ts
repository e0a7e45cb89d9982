import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { createEnvelope } from '@nightglow/bus';
import {
  ActionPhase,
  BlueprintSchema,
  InstrumentKind,
  InstrumentCommandSchema,
  InstrumentStatus,
} from '@nightglow/contracts/instrumentation/v1';
import { BadRequestSchema } from '@nightglow/contracts/google/rpc';
import { afterEach, describe, expect, it } from 'vitest';
import type { SidecarError } from './errors.js';
import type { Sidecar } from './sidecar.js';
import { startUnitSidecar } from './testing/unit-sidecar.js';

const handlerCtx = {} as never;

const setup = startUnitSidecar;

let running: Sidecar | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('sidecar on a fake browser: bad input, commands, anomalies', () => {
  it('refuses bad input with the field named and leaves running instruments untouched', async () => {
    const t = await setup();
    running = t.sidecar;
    const before = t.sidecar.registry.list();
    let caught: unknown;
    try {
      await t.rpc.upsertBlueprint(
        {
          blueprint: { name: 'timing.ttfb', kind: 1, metric: 'ttfb', unit: 'ms', labels: {} },
          validateOnly: false,
        } as never,
        handlerCtx,
      );
    } catch (error) {
      caught = error;
    }
    const connect = (caught as SidecarError).toConnectError();
    expect(connect.code).toBe(Code.InvalidArgument);
    expect(connect.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual([
      'blueprint.trigger',
    ]);
    expect(t.sidecar.registry.list()).toEqual(before);
    expect(() => t.rpc.getInstrument({ name: 'nope' } as never, handlerCtx)).toThrow(/not found/);
    expect(
      (() => {
        try {
          void t.rpc.getInstrument({ name: 'nope' } as never, handlerCtx);
        } catch (e) {
          return (e as SidecarError).toConnectError().code;
        }
      })(),
    ).toBe(Code.NotFound);
    await expect(
      t.sidecar.commands.apply(
        create(InstrumentCommandSchema, {
          commandId: 'c1',
          command: { case: 'upsert', value: { name: 'x', kind: 2, metric: 'ttfb' } },
        }),
      ),
    ).rejects.toThrow(/upsert.metric/);
    await expect(t.sidecar.reload()).resolves.toBeUndefined();
    expect(t.sidecar.registry.list().map((i) => i.blueprint?.name)).toEqual(before.map((i) => i.blueprint?.name));
  });

  it('applies instrument commands from the bus once, for this sidecar and pool only', async () => {
    const t = await setup();
    running = t.sidecar;
    await t.sidecar.consumeCommands();
    const send = (id: string, command: Record<string, unknown>): Promise<unknown> =>
      t.bus.publish([
        createEnvelope({
          type: 'instrument_command.disable',
          source: { service: 'test' },
          payload: { case: 'instrumentCommand', value: create(InstrumentCommandSchema, { commandId: id, ...command }) },
        }),
      ]);
    await send('a', { command: { case: 'disable', value: 'timing.ttfb' }, targetSidecar: 'other' });
    await send('b', { command: { case: 'disable', value: 'timing.lcp' }, targetPool: 'pool-a' });
    await send('c', { command: { case: 'disable', value: 'no.such' } });
    await send('d', {
      command: {
        case: 'upsert',
        value: { name: 'network.big', kind: 2, metric: 'bytes', trigger: { trigger: { case: 'pageEvent', value: 1 } } },
      },
    });
    await send('d', { command: { case: 'remove', value: 'network.big' } }); // same id: applied once
    await t.bus.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(t.sidecar.registry.get('timing.ttfb').status).toBe(InstrumentStatus.ACTIVE);
    expect(t.sidecar.registry.get('timing.lcp').status).toBe(InstrumentStatus.DISABLED);
    expect(t.sidecar.registry.get('network.big').blueprint?.unit).toBe('bytes');
  });

  it('raises an anomaly against the rolling baseline of the instrument and pool', async () => {
    const t = await setup();
    running = t.sidecar;
    t.sidecar.registry.upsert(
      create(BlueprintSchema, {
        name: 'timing.action_duration',
        kind: InstrumentKind.TIMING,
        metric: 'action_duration',
        trigger: { trigger: { case: 'actionPhase', value: ActionPhase.END } },
        anomalyDetection: { enabled: true, window: 50, minSamples: 10, zThreshold: 3 },
      }),
    );
    await t.rpc.attachSession(
      { sessionId: 's', browserContextId: 'C1', pool: 'pool-z', taskId: '', labels: {} } as never,
      handlerCtx,
    );
    const action = async (i: number, ms: number): Promise<void> => {
      const base = { sessionId: 's', taskId: 'tk', actionId: `tk/${i}`, actionIndex: i };
      await t.rpc.markPhase(
        { ...base, phase: ActionPhase.START, time: timestampFromMs(i * 100_000) } as never,
        handlerCtx,
      );
      await t.rpc.markPhase(
        { ...base, phase: ActionPhase.END, ok: true, time: timestampFromMs(i * 100_000 + ms) } as never,
        handlerCtx,
      );
    };
    for (let i = 0; i < 12; i++) await action(i, 100 + (i % 3) * 10);
    await t.settle();
    expect(t.bus.of('anomalies')).toEqual([]);
    await action(12, 5000);
    await t.settle();
    const [anomaly] = t.bus.of('anomalies');
    expect(anomaly?.type).toBe('anomaly.detected');
    expect(anomaly?.payload.value).toMatchObject({
      instrument: 'timing.action_duration',
      pool: 'pool-z',
      value: 5000,
      sampleCount: 12,
      actionId: 'tk/12',
    });
  });
});
