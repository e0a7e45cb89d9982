/**
 * The environment a container of a rendered chart would get: its ConfigMap's
 * data (envFrom) then its `env` entries in order, with `$(VAR)` references
 * expanded as the kubelet does and `secretKeyRef`s resolved from the rendered
 * Secrets (an existing Secret the chart does not render gives a placeholder).
 */

type Doc = Record<string, unknown>;
type EnvEntry = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown };
};
type Container = { name: string; args?: string[]; env?: EnvEntry[]; envFrom?: { configMapRef?: { name: string } }[] };

/** A container of a rendered Deployment with the environment and arguments it would run with. */
export type RenderedContainer = {
  readonly deployment: string;
  readonly container: string;
  readonly env: Record<string, string>;
  readonly args: string[];
};

const PLACEHOLDER_SECRET = 'placeholder-secret-from-an-existing-secret-0123456789';

function byKindName(docs: readonly Doc[], kind: string, name: string): Doc | undefined {
  return docs.find((d) => d['kind'] === kind && (d['metadata'] as { name?: string }).name === name);
}

/** Every container of every Deployment in `docs`. */
export function renderedContainers(docs: readonly Doc[]): RenderedContainer[] {
  const out: RenderedContainer[] = [];
  for (const d of docs.filter((x) => x['kind'] === 'Deployment')) {
    const spec = (d['spec'] as { template: { spec: { containers: Container[] } } }).template.spec;
    for (const c of spec.containers) {
      const env: Record<string, string> = {};
      for (const from of c.envFrom ?? []) {
        const cm = from.configMapRef ? byKindName(docs, 'ConfigMap', from.configMapRef.name) : undefined;
        if (from.configMapRef && !cm) throw new Error(`${c.name}: ConfigMap ${from.configMapRef.name} is not rendered`);
        Object.assign(env, (cm?.['data'] as Record<string, string> | undefined) ?? {});
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          const secret = byKindName(docs, 'Secret', ref.name);
          const data = secret?.['data'] as Record<string, string> | undefined;
          if (secret && data?.[ref.key] === undefined)
            throw new Error(`${c.name}: Secret ${ref.name} has no key ${ref.key}`);
          env[e.name] = data ? Buffer.from(data[ref.key] ?? '', 'base64').toString() : PLACEHOLDER_SECRET;
        } else if (e.valueFrom?.fieldRef) {
          env[e.name] = 'pod-0';
        } else {
          env[e.name] = (e.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
        }
      }
      out.push({ deployment: (d['metadata'] as { name: string }).name, container: c.name, env, args: c.args ?? [] });
    }
  }
  return out;
}
