import { create } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@nightglow/runtime';
import { useTestEnv } from '@nightglow/testenv';
import { TaskSchema, TaskState } from '@nightglow/contracts/executor/v1';
import { timestampOf } from '../spec/durations.js';
import type { TaskStore } from './port.js';
import { createRedisStore } from './redis-store.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const prefix = `nightglow:executor-leases-test-${process.pid}`;
let stores: TaskStore[] = [];

beforeAll(async () => {
  const url = useTestEnv().redis.url;
  stores = await Promise.all([0, 1, 2].map(() => createRedisStore({ url, logger, prefix, retentionMs: 60_000 })));
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

describe('replica leases on real Redis', () => {
  it('hands each task of a dead replica to exactly one of many racing survivors', async () => {
    const [dead, a, b] = stores as [TaskStore, TaskStore, TaskStore];
    const ids = Array.from({ length: 40 }, (_, i) => `task-${i}`);
    // The holds (which need no heartbeat) come first, so the heartbeat's TTL only has to outlive the
    // next two round trips; 1 s of it leaves room for a stalled event loop on a loaded machine.
    for (const id of ids) await dead.leases.hold('dead', id, new TextEncoder().encode(`job of ${id}`));
    expect(await dead.leases.heartbeat('dead', 1000)).toBe(false);
    expect(await dead.leases.heartbeat('dead', 1000)).toBe(true);
    expect(await a.leases.takeOver('dead', 'a')).toEqual([]); // alive: refused
    await new Promise((r) => setTimeout(r, 1100));
    expect(await a.leases.lapsed()).toEqual(['dead']);
    const races = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).leases.takeOver('dead', i % 2 === 0 ? 'a' : 'b')),
    );
    const winners = races.filter((r) => r.length > 0);
    expect(winners).toHaveLength(1);
    const won = winners[0] ?? [];
    expect(won.map((h) => h.taskId).sort()).toEqual([...ids].sort());
    expect(new TextDecoder().decode(won.find((h) => h.taskId === 'task-7')?.job)).toBe('job of task-7');
    const taker = races.findIndex((r) => r.length > 0) % 2 === 0 ? 'a' : 'b';
    expect(await a.leases.holds(taker, 'task-7')).toBe(true);
    expect(await a.leases.holds('dead', 'task-7')).toBe(false);
    expect(await a.leases.lapsed()).toEqual([]);
    // The dead replica, back from a pause, finds its lease had lapsed.
    expect(await dead.leases.heartbeat('dead', 300)).toBe(false);
    expect(await dead.leases.held('dead')).toEqual([]);
    await a.leases.release(taker, 'task-7');
    expect((await a.leases.held(taker)).map((h) => h.taskId)).not.toContain('task-7');
    await a.leases.leave(taker);
    await dead.leases.leave('dead');
    expect(await a.leases.held(taker)).toEqual([]);
    expect(await a.leases.lapsed()).toEqual([]);
  });

  it('never replaces a task that ended, whichever replica writes', async () => {
    const [x, y] = stores as [TaskStore, TaskStore];
    const task = create(TaskSchema, {
      id: 'ended-task',
      state: TaskState.RUNNING,
      createTime: timestampOf(Date.now()),
    });
    expect(await x.putTask(task)).toBe(true);
    expect(await y.putTask({ ...task, state: TaskState.FAILED, finishTime: timestampOf(Date.now()) })).toBe(true);
    expect(await x.putTask({ ...task, state: TaskState.SUCCEEDED })).toBe(false);
    expect(await x.putTask(task)).toBe(false);
    expect((await y.getTask('ended-task'))?.state).toBe(TaskState.FAILED);
  });
});
