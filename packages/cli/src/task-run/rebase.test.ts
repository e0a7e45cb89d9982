import { fromJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { TaskSpecSchema } from '@nightglow/contracts/executor/v1';
import { rebaseSpec, rebaseUrl, siteArg } from './rebase.js';
import { applyRunOptions } from './run-task.js';

const D = 'http://127.0.0.1:8088';

describe('--site rebasing', () => {
  it('replaces the demo origin at a URL boundary only', () => {
    expect(rebaseUrl(`${D}/news`, D, 'http://127.0.0.1:4321')).toBe('http://127.0.0.1:4321/news');
    expect(rebaseUrl(D, D, 'https://news.example.com')).toBe('https://news.example.com');
    expect(rebaseUrl(`${D}?q=1`, D, 'https://x.test/')).toBe('https://x.test?q=1');
    expect(rebaseUrl(`${D}/login`, D, 'https://x.test/demo')).toBe('https://x.test/demo/login');
    expect(rebaseUrl('http://127.0.0.1:80881/news', D, 'http://y')).toBe('http://127.0.0.1:80881/news');
    expect(rebaseUrl('/dashboard$', D, 'http://y')).toBe('/dashboard$');
  });

  it('rebases every URL of a spec and leaves the rest', () => {
    const spec = fromJson(TaskSpecSchema, {
      ephemeralSession: { pool: 'default', options: { startUrl: `${D}/` } },
      labels: { sample: 'news' },
      actions: [
        { navigate: { url: `${D}/news` } },
        { navigate: { url: 'https://other.test/', referer: `${D}/news` } },
        { assert: { urlMatches: '/dashboard$' } },
        { extract: { selector: '.title', output: 'titles' } },
      ],
    });
    const out = rebaseSpec(spec, 'http://127.0.0.1:4321');
    const a = out.actions;
    expect(a[0]?.kind.case === 'navigate' && a[0].kind.value.url).toBe('http://127.0.0.1:4321/news');
    expect(a[1]?.kind.case === 'navigate' && [a[1].kind.value.url, a[1].kind.value.referer]).toEqual([
      'https://other.test/',
      'http://127.0.0.1:4321/news',
    ]);
    expect(
      a[2]?.kind.case === 'assert' &&
        a[2].kind.value.condition.case === 'urlMatches' &&
        a[2].kind.value.condition.value,
    ).toBe('/dashboard$');
    expect(out.session.case === 'ephemeralSession' && out.session.value.options?.startUrl).toBe(
      'http://127.0.0.1:4321/',
    );
    expect(out.labels).toEqual({ sample: 'news' });
    expect(spec.actions[0]?.kind.case === 'navigate' && spec.actions[0].kind.value.url).toBe(`${D}/news`);
  });

  it('--site must be an http(s) URL', () => {
    expect(siteArg('example.com/')).toBe('http://example.com');
    expect(() => siteArg('ftp://x')).toThrow('--site: must be an http:// or https:// URL');
  });
});

describe('task run options', () => {
  const spec = () =>
    fromJson(TaskSpecSchema, {
      ephemeralSession: { pool: 'default' },
      labels: { sample: 'x' },
      actions: [{ navigate: { url: `${D}/news` } }],
    });
  const url = (s: ReturnType<typeof spec>) =>
    s.actions[0]?.kind.case === 'navigate' ? s.actions[0].kind.value.url : '';

  it('--site wins; else a demo site from endpoints.json elsewhere than the default; else unchanged', () => {
    expect(url(applyRunOptions(spec(), { site: 'http://s:1', artifacts: true, recordWait: 0 }, 'http://d:2'))).toBe(
      'http://s:1/news',
    );
    expect(url(applyRunOptions(spec(), { artifacts: true, recordWait: 0 }, 'http://d:2'))).toBe('http://d:2/news');
    expect(url(applyRunOptions(spec(), { artifacts: true, recordWait: 0 }, D))).toBe(`${D}/news`);
    expect(url(applyRunOptions(spec(), { artifacts: true, recordWait: 0 }, undefined))).toBe(`${D}/news`);
  });

  it('--session, --label and --idempotency-key override the file', () => {
    const out = applyRunOptions(
      spec(),
      { session: 's-1', label: { run: 'ci' }, idempotencyKey: 'k', artifacts: true, recordWait: 0 },
      undefined,
    );
    expect(out.session).toEqual({ case: 'sessionId', value: 's-1' });
    expect(out.labels).toEqual({ sample: 'x', run: 'ci' });
    expect(out.idempotencyKey).toBe('k');
  });
});
