import { describe, expect, it } from 'vitest';
import { ConfigError } from '@nightglow/runtime';
import { loadConfig } from './config.js';

describe('executor configuration', () => {
  it('reads the broker caller key and the replica settings', () => {
    const c = loadConfig({
      BROKER_CALLER_KEY: 'executor-caller-key-0123',
      REPLICA_ID: 'executor-0',
      REPLICA_TIMEOUT: '3s',
    });
    expect(c.sessions).toEqual({
      kind: 'broker',
      brokerUrl: 'http://127.0.0.1:50051',
      callerKey: 'executor-caller-key-0123',
    });
    expect([c.replicaId, c.replicaTimeoutMs]).toEqual(['executor-0', 3000]);
    const d = loadConfig({});
    expect(d.sessions).toMatchObject({ kind: 'broker', callerKey: undefined });
    expect(d.replicaTimeoutMs).toBe(15_000);
    expect(d.replicaId).toMatch(/-\d+-[a-z0-9]+$/);
  });

  it('refuses a short caller key, the retired BROKER_TOKEN_SECRET and a tiny REPLICA_TIMEOUT, naming each', () => {
    const problems = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(problems({ BROKER_CALLER_KEY: 'short' })).toMatch(/BROKER_CALLER_KEY.*at least 16 characters/);
    expect(problems({ BROKER_CALLER_KEY: 'a,b-0123456789abcdef' })).toMatch(/BROKER_CALLER_KEY.*without commas/);
    expect(problems({ BROKER_TOKEN_SECRET: 'x'.repeat(20) })).toMatch(
      /BROKER_TOKEN_SECRET.*no longer used: set BROKER_CALLER_KEY/,
    );
    expect(problems({ REPLICA_TIMEOUT: '10ms' })).toMatch(/REPLICA_TIMEOUT/);
  });
});
