import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestEnv } from './context.js';

describe('redis (real server from the test environment)', () => {
  const { redis: address } = useTestEnv();
  const clients: Redis[] = [];
  const connect = (): Redis => {
    const client = new Redis(address.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  });

  it('listens on a loopback port and stores what it is given', async () => {
    expect(address.host).toBe('127.0.0.1');
    const client = connect();
    const key = `it:${process.pid}:greeting`;
    await client.set(key, 'hello', 'EX', 60);
    expect(await client.get(key)).toBe('hello');
    expect(await client.ttl(key)).toBeGreaterThan(0);
    const info = await client.info('server');
    expect(info).toMatch(/redis_version:7\./);
  });

  it('delivers a published message to a subscriber', async () => {
    const subscriber = connect();
    const publisher = connect();
    const channel = `it:${process.pid}:events`;
    const received = new Promise<string>((resolve) =>
      subscriber.on('message', (_channel: string, message: string) => resolve(message)),
    );
    await subscriber.subscribe(channel);
    expect(await publisher.publish(channel, 'session-ready')).toBe(1);
    await expect(received).resolves.toBe('session-ready');
  });
});
