import { describe, expect, it } from 'vitest';
import { expandSqlMacros, loadDashboards, panelQueries, panelsOf } from './dashboards.js';

const dashboards = loadDashboards();

describe('Grafana dashboards (charts/nightglow/dashboards)', () => {
  it('are the five of the issue, with unique uids', () => {
    expect(dashboards.map((d) => d.file)).toEqual([
      'detections-alerts.json',
      'fleet.json',
      'page-experience.json',
      'pipeline-health.json',
      'tasks.json',
    ]);
    const uids = dashboards.map((d) => d.json['uid']);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it.each(dashboards.map((d) => [d.file, d] as const))(
    '%s: every panel queries a datasource chosen by variable',
    (_f, d) => {
      const vars = ((d.json['templating'] as { list: { name: string; type: string }[] }).list ?? []).filter(
        (v) => v.type === 'datasource',
      );
      expect(vars.map((v) => v.name)).toEqual(['prometheus', 'records']);
      const queries = panelQueries(d);
      expect(queries.length).toBeGreaterThan(0);
      for (const p of panelsOf(d).filter((x) => x.type !== 'row')) {
        expect(['${prometheus}', '${records}']).toContain((p.datasource as { uid?: string } | undefined)?.uid);
      }
    },
  );

  it('expands the Grafana SQL macros and refuses an unknown variable', () => {
    expect(expandSqlMacros('SELECT $__timeGroupAlias(t, $__interval) FROM x WHERE $__timeFilter(t)')).toBe(
      `SELECT floor(extract(epoch from t)/60)*60 AS "time" FROM x WHERE t BETWEEN '2026-01-01T00:00:00Z' AND '2026-01-02T00:00:00Z'`,
    );
    expect(() => expandSqlMacros('SELECT 1 WHERE pool = $pool')).toThrow(/\$pool/);
  });
});
