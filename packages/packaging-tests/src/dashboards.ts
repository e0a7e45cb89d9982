/**
 * The Grafana dashboards as data: their panels' Prometheus expressions and
 * PostgreSQL queries, and the expansion of the Grafana SQL macros the
 * queries use, so the tests can run them against the record store's schema.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_DIR, readJson } from './repo.js';

/** A dashboard file, parsed. */
export type Dashboard = { readonly file: string; readonly json: Record<string, unknown> };

/** One query of one panel. */
export type PanelQuery = {
  readonly dashboard: string;
  readonly panel: string;
  readonly kind: 'prometheus' | 'postgres';
  readonly text: string;
};

/** Every `*.json` under `dir` (default: the chart's dashboards folder). */
export function loadDashboards(dir = DASHBOARDS_DIR): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: readJson(join(dir, file)) as Record<string, unknown> }));
}

type Panel = { title?: string; type?: string; datasource?: { type?: string }; targets?: Target[]; panels?: Panel[] };
type Target = { datasource?: { type?: string }; expr?: string; rawSql?: string };

/** The panels of a dashboard, nested row panels included. */
export function panelsOf(d: Dashboard): Panel[] {
  const out: Panel[] = [];
  const walk = (ps: Panel[] | undefined): void => {
    for (const p of ps ?? []) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(d.json['panels'] as Panel[] | undefined);
  return out;
}

/**
 * Every query of every panel, classified by its datasource type (the target's,
 * else the panel's). A target of another datasource type is an error.
 */
export function panelQueries(d: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const p of panelsOf(d)) {
    for (const t of p.targets ?? []) {
      const type = t.datasource?.type ?? p.datasource?.type;
      const base = { dashboard: d.file, panel: p.title ?? '(untitled)' };
      if (type === 'prometheus' && t.expr !== undefined) out.push({ ...base, kind: 'prometheus', text: t.expr });
      else if (type === 'grafana-postgresql-datasource' && t.rawSql !== undefined)
        out.push({ ...base, kind: 'postgres', text: t.rawSql });
      else throw new Error(`${d.file} / ${base.panel}: a target of datasource type ${String(type)} without a query`);
    }
  }
  return out;
}

/**
 * Expands the Grafana PostgreSQL macros a query may use (`$__timeFilter`,
 * `$__timeGroup`, `$__timeGroupAlias`, `$__timeFrom`, `$__timeTo`) the way
 * Grafana does for a fixed range; throws on any other `$` variable, so a
 * dashboard cannot use one this check does not understand.
 */
export function expandSqlMacros(sql: string, from = '2026-01-01T00:00:00Z', to = '2026-01-02T00:00:00Z'): string {
  const out = sql
    .replace(/\$__timeGroupAlias\(\s*([^,)]+?)\s*,\s*[^)]*\)/g, `floor(extract(epoch from $1)/60)*60 AS "time"`)
    .replace(/\$__timeGroup\(\s*([^,)]+?)\s*,\s*[^)]*\)/g, 'floor(extract(epoch from $1)/60)*60')
    .replace(/\$__timeFilter\(\s*([^)]+?)\s*\)/g, `$1 BETWEEN '${from}' AND '${to}'`)
    .replace(/\$__timeFrom\(\)/g, `'${from}'`)
    .replace(/\$__timeTo\(\)/g, `'${to}'`);
  const left = /\$\w+|\$\{[^}]*\}/.exec(out);
  if (left) throw new Error(`unsupported Grafana macro or variable ${left[0]} in:\n${sql}`);
  return out;
}
