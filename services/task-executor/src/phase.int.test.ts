import { createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskState } from '@nightglow/contracts/executor/v1';
import {
  ActionPhase,
  Instrumentation,
  MarkPhaseResponseSchema,
  type MarkPhaseRequest,
} from '@nightglow/contracts/instrumentation/v1';
import { startHarness, type Harness } from './testing/harness.js';

let sidecar: Http2Server;
let h: Harness;
const marks: MarkPhaseRequest[] = [];
const open = new Set<ServerHttp2Session>();

beforeAll(async () => {
  sidecar = createServer(
    connectNodeAdapter({
      routes: (router) =>
        router.service(Instrumentation, {
          markPhase: (req) => {
            marks.push(req);
            return create(MarkPhaseResponseSchema);
          },
        }),
    }),
  );
  sidecar.on('session', (s: ServerHttp2Session) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
  await new Promise<void>((resolve) => sidecar.listen(0, '127.0.0.1', resolve));
  h = await startHarness({ sidecarAddress: `127.0.0.1:${(sidecar.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await h.stop();
  // The executor keeps its (idle) HTTP/2 connection to a sidecar; close() would wait for it.
  for (const s of open) s.destroy();
  await new Promise<void>((resolve) => sidecar.close(() => resolve()));
});

describe('phase marks to the session sidecar', () => {
  it('marks START and END of every action with its ids, outcome and behavior', async () => {
    const { task } = await h.run(
      h.spec({
        humanInput: { enabled: true },
        actions: [
          { navigate: { url: 'http://127.0.0.1:8088/playground' } },
          { hover: { selector: '#hover-target' } },
          { click: { selector: '#nope' }, timeout: '0.3s', continueOnError: true },
        ],
      }),
    );
    expect(task.state).toBe(TaskState.SUCCEEDED);
    const mine = marks.filter((m) => m.taskId === task.id);
    expect(mine.map((m) => `${m.actionIndex}:${ActionPhase[m.phase]}`)).toEqual([
      '0:START',
      '0:END',
      '1:START',
      '1:END',
      '2:START',
      '2:END',
    ]);
    expect(mine.every((m) => m.sessionId === task.sessionId && m.actionId === `${task.id}/${m.actionIndex}`)).toBe(
      true,
    );
    expect(mine[3]?.actionType).toBe('hover');
    expect(mine[3]?.behavior?.mousePathLengthPx).toBeGreaterThan(0);
    expect([mine[1]?.ok, mine[5]?.ok]).toEqual([true, false]);
    expect(mine[5]?.error).toContain('#nope');
    expect(mine[0]?.targetId).not.toBe('');
  });
});
