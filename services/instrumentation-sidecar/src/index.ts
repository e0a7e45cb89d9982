/**
 * @nightglow/instrumentation-sidecar: the service definition and its config
 * loader (for the all-in-one and tests), the sidecar assembled from ports, and
 * the pieces other code may reuse (built-in blueprints, blueprint-file parsing,
 * the CDP gateway, the command group id).
 */
export { loadConfig } from './config.js';
export type { SidecarConfig } from './config.js';
export { createInstrumentationSidecarService, instrumentationSidecarService, SIDECAR_KAFKA_BATCH } from './service.js';
export type { SidecarOverrides } from './service.js';
export { createSidecar } from './sidecar.js';
export type { Sidecar, SidecarDeps, SidecarState } from './sidecar.js';
export { SidecarError, isSidecarError } from './errors.js';
export type { SidecarErrorCode } from './errors.js';
export { builtinBlueprints } from './blueprints/builtins.js';
export { createFileBlueprintSource, parseBlueprintFile } from './blueprints/blueprint-file.js';
export type { BlueprintSource } from './blueprints/blueprint-file.js';
export { createCdpGateway } from './gateway/cdp-gateway.js';
export type { CdpGateway, CdpGatewayOptions } from './gateway/cdp-gateway.js';
export { SECRET_HEADER } from './gateway/gateway-auth.js';
export { commandGroupId } from './commands/command-consumer.js';
export { createInstrumentationHandlers } from './rpc/handlers.js';
export { createSignalPublisher } from './publish/signal-publisher.js';
export type { SignalPublisher, SignalPublisherOptions } from './publish/signal-publisher.js';
