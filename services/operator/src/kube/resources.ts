/** The resource types the operator reads and writes, and its API group. */
import type { ResourceType } from './kube-api.js';

/** The operator's API group. */
export const GROUP = 'nightglow.io';
/** The served (and stored) version of every Nightglow CRD. */
export const VERSION = 'v1alpha1';
/** `nightglow.io/v1alpha1`. */
export const API_VERSION = `${GROUP}/${VERSION}`;

const nightglow = (kind: string, plural: string): ResourceType => ({
  group: GROUP,
  version: VERSION,
  kind,
  plural,
  namespaced: true,
});

/** The four custom resources and the built-in ones the reconcilers own or use. */
export const RESOURCES = {
  browserPool: nightglow('BrowserPool', 'browserpools'),
  browserSession: nightglow('BrowserSession', 'browsersessions'),
  automationTask: nightglow('AutomationTask', 'automationtasks'),
  taskRecord: nightglow('TaskRecord', 'taskrecords'),
  deployment: { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  service: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  pdb: {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
  },
  secret: { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  pod: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  event: { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
  lease: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  crd: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
} as const satisfies Record<string, ResourceType>;

/** Labels on everything the operator creates for a pool. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'nightglow-operator' } as const;
