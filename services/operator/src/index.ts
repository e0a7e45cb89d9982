/**
 * @nightglow/operator: the service definition and config loader (for the
 * all-in-one and tests), the CRD installer, and the controller machinery and
 * reconcilers for embedding or testing them against other ports.
 */
export { loadConfig, parseBindAddress } from './config.js';
export type { BindAddress, OperatorConfig, Secret } from './config.js';
export { operatorService } from './service.js';
export { OperatorError } from './errors.js';
export type { OperatorErrorCode } from './errors.js';
export { CRD_DIRECTORY, installCrds, loadCrds } from './kube/crds.js';
export { createHttpKubeApi, FIELD_MANAGER } from './kube/http-kube-api.js';
export type { KubeApi, KubeObject, ResourceType, WatchEvent } from './kube/kube-api.js';
export { API_VERSION, GROUP, RESOURCES, VERSION } from './kube/resources.js';
export { createBrokerApi } from './clients/broker-api.js';
export type { BrokerApi, BrokerSession, PoolStats } from './clients/broker-api.js';
export { createExecutorApi } from './clients/executor-api.js';
export type { ExecutorApi, ExecutorTask } from './clients/executor-api.js';
export { createRecordStoreApi, toSealedRecord } from './clients/record-store-api.js';
export type { RecordedAction, RecordStoreApi, SealedRecord } from './clients/record-store-api.js';
export { createManager } from './manager/manager.js';
export type { LeaderElectionOptions, Manager, ManagerOptions, ManagerState } from './manager/manager.js';
export type { ControllerSpec } from './manager/controller-set.js';
export { poolControllerSpec } from './pool/pool-controller.js';
export { createSessionFollower, sessionControllerSpec } from './session/session-controller.js';
export { createTaskFollower, taskControllerSpec } from './task/task-controller.js';
export { createStreamFollower } from './controller/stream-follower.js';
export type {
  ExternalSource,
  Followed,
  FollowState,
  StreamFollower,
  StreamFollowerOptions,
} from './controller/stream-follower.js';
export type { WatchUpdate } from './clients/watch-update.js';
export { decideReplicas } from './pool/autoscale.js';
export type { ScaleDecision, ScaleInput } from './pool/autoscale.js';
