/**
 * A bounded number of concurrent runs with a FIFO queue in front. Positions
 * are 1-based while queued; a queued entry can be withdrawn (cancel). `drain`
 * stops taking new work and waits for the running ones.
 */

/** A unit of work the scheduler runs. */
export type Runnable = { readonly id: string; run(): Promise<void> };

/** The scheduler. */
export type Scheduler = {
  /** Queues `r`; it runs as soon as a slot is free. */
  submit(r: Runnable): void;
  /** Removes a queued entry; resolves false when it is not queued (running or unknown). */
  withdraw(id: string): boolean;
  /** 1-based queue position, 0 when not queued. */
  position(id: string): number;
  queueLength(): number;
  running(): number;
  /** Refuses new work and resolves when every running entry has finished; queued entries are returned. */
  drain(): Promise<Runnable[]>;
};

/** Creates a scheduler running at most `concurrency` entries at once; `onChange` sees the queue length after every change. */
export function createScheduler(concurrency: number, onChange: (queued: number) => void = () => undefined): Scheduler {
  const queue: Runnable[] = [];
  const active = new Map<string, Promise<void>>();
  let draining = false;
  const pump = (): void => {
    while (!draining && active.size < concurrency && queue.length > 0) {
      const next = queue.shift();
      if (!next) break;
      const p = next
        .run()
        .catch(() => undefined)
        .finally(() => {
          active.delete(next.id);
          pump();
        });
      active.set(next.id, p);
    }
    onChange(queue.length);
  };
  return {
    submit(r) {
      if (draining) throw new Error('scheduler is draining');
      queue.push(r);
      pump();
    },
    withdraw(id) {
      const i = queue.findIndex((r) => r.id === id);
      if (i < 0) return false;
      queue.splice(i, 1);
      onChange(queue.length);
      return true;
    },
    position: (id) => queue.findIndex((r) => r.id === id) + 1,
    queueLength: () => queue.length,
    running: () => active.size,
    async drain() {
      draining = true;
      const left = queue.splice(0);
      onChange(0);
      await Promise.all(active.values());
      return left;
    },
  };
}
