import { describe, expect, it } from 'vitest';
import { ConfigError, createEnvReader, parseBytes, parseDurationMs } from './env-reader.js';
import { readServerConfig } from './server-config.js';

describe('env reader', () => {
  it('applies defaults and converts values', () => {
    const r = createEnvReader({ PORT: '8080', FLAG: 'yes', WAIT: '1.5s', SIZE: '4MiB', LIST: 'a, b,,c' });
    expect(r.port('PORT', { default: 1 })).toBe(8080);
    expect(r.port('OTHER_PORT', { default: 9 })).toBe(9);
    expect(r.bool('FLAG', { default: false })).toBe(true);
    expect(r.durationMs('WAIT', { default: 0 })).toBe(1500);
    expect(r.bytes('SIZE', { default: 0 })).toBe(4 * 1024 * 1024);
    expect(r.list('LIST')).toEqual(['a', 'b', 'c']);
    expect(() => r.done()).not.toThrow();
  });

  it('collects every bad variable and names each one', () => {
    const r = createEnvReader({ GRPC_PORT: 'seventy', LOG_LEVEL: 'loud', SHUTDOWN_TIMEOUT: '-3s' });
    r.port('GRPC_PORT', { default: 1 });
    r.oneOf('LOG_LEVEL', ['info', 'debug'] as const, { default: 'info' });
    r.durationMs('SHUTDOWN_TIMEOUT', { default: 1 });
    r.string('REQUIRED_THING', { required: true });
    let error: unknown;
    try {
      r.done();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.variable);
    expect(problems).toEqual(['GRPC_PORT', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT', 'REQUIRED_THING']);
    expect((error as ConfigError).message).toContain('GRPC_PORT: "seventy" is not a port');
    expect((error as ConfigError).message).toContain('LOG_LEVEL: "loud" is not one of info, debug');
  });

  it('parses durations and sizes strictly', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('100')).toBe(100);
    expect(parseDurationMs('soon')).toBeUndefined();
    expect(parseBytes('512KiB')).toBe(524_288);
    expect(parseBytes('3 parsecs')).toBeUndefined();
  });

  it('reads the serving config with its defaults and refuses a bad OTLP URL', () => {
    const r = createEnvReader({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    const cfg = readServerConfig(r, { grpcPort: 50051, httpPort: 8080 });
    r.done();
    expect(cfg).toMatchObject({
      host: '127.0.0.1',
      grpcPort: 50051,
      httpPort: 8080,
      maxMessageBytes: 4 * 1024 * 1024,
      otlpTracesEndpoint: 'http://collector:4318/v1/traces',
      traceSampleRatio: 1,
    });
    const bad = createEnvReader({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_TRACES_SAMPLER_ARG: '2' });
    readServerConfig(bad, { grpcPort: 1, httpPort: 2 });
    expect(() => bad.done()).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT[\s\S]*OTEL_TRACES_SAMPLER_ARG/);
  });
});
