import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { ParameterType } from '@nightglow/contracts/executor/v1';
import { SessionEventSchema, SessionEventType, SessionState } from '@nightglow/contracts/broker/v1';
import { StoredEventSchema } from '@nightglow/contracts/records/v1';
import { cdpUrlWithToken, sessionEventLine } from '../commands/session.js';
import { eventLine } from '../commands/events.js';
import { parseTemplateFile } from '../commands/template-file.js';
import { CliError } from '../errors.js';

const T = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('stream lines', () => {
  it('session events', () => {
    const e = create(SessionEventSchema, {
      type: SessionEventType.STATE_CHANGED,
      previousState: SessionState.STARTING,
      session: { id: 's1', pool: 'default', state: SessionState.READY },
      time: timestampFromMs(T),
    });
    expect(sessionEventLine(e)).toBe('2026-11-26T12:00:00Z  STATE_CHANGED  s1  default  STARTING -> READY\n');
    expect(
      sessionEventLine(create(SessionEventSchema, { type: SessionEventType.SYNCED, time: timestampFromMs(T) })),
    ).toBe('2026-11-26T12:00:00Z  SYNCED\n');
  });

  it('stored events', () => {
    const ev = create(StoredEventSchema, {
      envelope: {
        type: 'measurement.recorded',
        time: timestampFromMs(T),
        sessionId: 's1',
        pool: 'default',
        payload: { case: 'measurement', value: { instrument: 'timing', metric: 'lcp', value: 812.34567, unit: 'ms' } },
      },
    });
    expect(eventLine(ev)).toBe(
      '2026-11-26T12:00:00Z  measurement.recorded  session=s1  pool=default  timing/lcp=812.346 ms\n',
    );
  });

  it('the CDP URL carries the token', () => {
    expect(cdpUrlWithToken('ws://b:8081/cdp/s1', 'a b')).toBe('ws://b:8081/cdp/s1?token=a%20b');
    expect(cdpUrlWithToken('ws://b/cdp/s1?x=1', 't')).toBe('ws://b/cdp/s1?x=1&token=t');
  });
});

describe('template files', () => {
  it('parse YAML into a Template', () => {
    const tf = parseTemplateFile('name: t\nactions:\n  - navigate: { url: "${u}" }\n', 't.yaml');
    expect(tf.template.name).toBe('t');
    expect(tf.locate('actions[0].navigate.url')).toBe('t.yaml:3:17: actions[0].navigate.url');
  });

  it('name the file (and line) of a problem', () => {
    expect(() => parseTemplateFile('name: [', 't.yaml')).toThrow(CliError);
    try {
      parseTemplateFile('name: t\n  bad: : x\n', 't.yaml');
      expect.unreachable();
    } catch (e) {
      expect((e as CliError).details[0]).toMatch(/^t\.yaml:1:7: Nested mappings are not allowed/);
    }
    const problem = (text: string): readonly string[] => {
      try {
        parseTemplateFile(text, 't.yaml');
      } catch (e) {
        expect((e as CliError).message).toMatch(/^template file t\.yaml has \d+ problems?; nothing was registered$/);
        return (e as CliError).details;
      }
      return expect.unreachable();
    };
    expect(problem('name: t\nactionz: []\n')).toEqual([
      't.yaml:2:1: actionz: unknown field "actionz" (did you mean actions?)',
    ]);
    expect(problem('- a\n')).toEqual(['t.yaml:1:1: must be a map of Template fields']);
  });

  it('take the short enum values and durations task files take', () => {
    const tf = parseTemplateFile(
      'name: t\nparameters:\n  - { name: u, type: string }\nactions:\n  - navigate: { url: "${u}", waitUntil: load }\n    timeout: 5s\n',
      't.yaml',
    );
    expect(tf.template.parameters[0]?.type).toBe(ParameterType.STRING);
    expect(Number(tf.template.actions[0]?.timeout?.seconds)).toBe(5);
  });
});
