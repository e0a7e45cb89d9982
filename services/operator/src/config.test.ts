import { describe, expect, it } from 'vitest';
import { ConfigError } from '@nightglow/runtime';
import { loadConfig, parseBindAddress } from './config.js';

describe('operator config', () => {
  it('defaults to controller-runtime addresses', () => {
    const c = loadConfig({}, []);
    expect(c.metrics).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(c.healthProbe).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(c.leaderElect).toBe(false);
    expect(c.server.httpPort).toBe(8080);
    expect(c.taskRecordWaitMs).toBe(60_000);
  });

  it('takes --task-record-wait as a duration, 0s included, and refuses anything else', () => {
    expect(loadConfig({}, ['--task-record-wait=0s']).taskRecordWaitMs).toBe(0);
    expect(loadConfig({}, ['--task-record-wait=2m']).taskRecordWaitMs).toBe(120_000);
    expect(() => loadConfig({}, ['--task-record-wait=soon'])).toThrow(/--task-record-wait: "soon" is not a duration/);
  });

  it('takes RECORD_STORE_API_KEY as a secret that never shows in the config as JSON', () => {
    expect(loadConfig({}, []).recordStoreApiKey).toBeUndefined();
    const c = loadConfig({ RECORD_STORE_API_KEY: 'ngk_reader-key-0123456789' }, []);
    expect(c.recordStoreApiKey?.reveal()).toBe('ngk_reader-key-0123456789');
    expect(JSON.stringify(c)).not.toContain('ngk_reader');
    expect(() => loadConfig({ RECORD_STORE_API_KEY: 'two words' }, [])).toThrow(/RECORD_STORE_API_KEY/);
  });

  it('reads flags', () => {
    const c = loadConfig({ BROKER_URL: 'http://broker:50051' }, [
      '--metrics-bind-address=127.0.0.1:9090',
      '--leader-elect',
      '--namespace',
      'browsers',
    ]);
    expect(c).toMatchObject({
      metrics: { host: '127.0.0.1', port: 9090 },
      leaderElect: true,
      namespace: 'browsers',
      brokerUrl: 'http://broker:50051',
    });
  });

  it('names the bad flag or variable', () => {
    expect(() => loadConfig({}, ['--metrics-bind-address', 'eighty'])).toThrow(
      /--metrics-bind-address: "eighty" is not \[host\]:port/,
    );
    expect(() => loadConfig({}, ['--leader-elekt'])).toThrow(ConfigError);
    expect(() => loadConfig({}, ['--leader-elekt'])).toThrow(/leader-elekt/);
    expect(() => loadConfig({ EXECUTOR_URL: 'executor:50052' }, [])).toThrow(/EXECUTOR_URL/);
  });

  it('parses bind addresses', () => {
    expect(parseBindAddress('[::1]:8081')).toEqual({ host: '::1', port: 8081 });
    expect(parseBindAddress(':99999')).toBeUndefined();
  });
});
