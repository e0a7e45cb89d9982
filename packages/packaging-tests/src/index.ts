/**
 * Helpers of the packaging checks (chart, images, compose, skaffold,
 * dashboards); the checks themselves are this package's tests.
 */
export { CHART_DIR, DASHBOARDS_DIR, REPO_ROOT, parseYamlDocs, readJson, sharedSchema } from './repo.js';
export { helm, helmOk } from './helm.js';
export type { HelmResult } from './helm.js';
export { metricNames } from './promql.js';
export { exposedNames } from './exposition.js';
export { expandSqlMacros, loadDashboards, panelQueries, panelsOf } from './dashboards.js';
export type { Dashboard, PanelQuery } from './dashboards.js';
export { dockerfileProblems, parseDockerfile } from './dockerfile.js';
export type { Instruction } from './dockerfile.js';
export { readYamlFile, schemaValidator } from './schemas.js';
export type { Validate } from './schemas.js';
export {
  adminConfig,
  applyCrds,
  createCrds,
  kubeRequest,
  serverDryRunApply,
  serviceAccountToken,
  statusOf,
  tokenConfig,
} from './kube.js';
export type { Cluster } from './kube.js';
export { renderedContainers } from './rendered-env.js';
export type { RenderedContainer } from './rendered-env.js';
export { allowed, label } from './access.js';
export type { Check } from './access.js';
