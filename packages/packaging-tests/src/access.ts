/**
 * RBAC questions asked of the apiserver as a given identity
 * (SelfSubjectAccessReview): what it may do, as readable labels.
 */
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

/** One access question: verb, API group ('' = core), resource, namespace (none = cluster-wide), subresource. */
export type Check = readonly [verb: string, group: string, resource: string, namespace?: string, subresource?: string];

/** `verb group resource[/sub] namespace`, e.g. `patch nightglow.io browserpools/status default`. */
export function label([verb, group, resource, namespace, sub]: Check): string {
  return [verb, group || 'core', resource + (sub ? `/${sub}` : ''), namespace ?? '*'].join(' ');
}

/** The labels of the checks the caller of `kc` is allowed, in order. */
export async function allowed(kc: KubeConfig, checks: readonly Check[]): Promise<string[]> {
  const api = kc.makeApiClient(AuthorizationV1Api);
  const out: string[] = [];
  for (const check of checks) {
    const [verb, group, resource, namespace, subresource] = check;
    const attributes = {
      verb,
      group,
      resource,
      ...(namespace ? { namespace } : {}),
      ...(subresource ? { subresource } : {}),
    };
    const r = await api.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attributes } } });
    if (r.status?.allowed === true) out.push(label(check));
  }
  return out;
}
