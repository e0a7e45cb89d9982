/**
 * The protobuf packages this workspace package carries, each importable from
 * its own subpath (e.g. `@nightglow/contracts/broker/v1`). Import schemas and
 * service descriptors from those subpaths; this entry point only names them,
 * so tools (reflection, docs, tests) can enumerate the APIs without importing
 * every generated file.
 */
export const protoPackages = [
  { name: 'nightglow.common.v1', subpath: '@nightglow/contracts/common/v1' },
  { name: 'nightglow.broker.v1', subpath: '@nightglow/contracts/broker/v1' },
  { name: 'nightglow.executor.v1', subpath: '@nightglow/contracts/executor/v1' },
  { name: 'nightglow.instrumentation.v1', subpath: '@nightglow/contracts/instrumentation/v1' },
  { name: 'nightglow.events.v1', subpath: '@nightglow/contracts/events/v1' },
  { name: 'nightglow.records.v1', subpath: '@nightglow/contracts/records/v1' },
  { name: 'nightglow.sample.v1', subpath: '@nightglow/contracts/sample/v1' },
  { name: 'google.rpc', subpath: '@nightglow/contracts/google/rpc' },
] as const;

/** One entry of {@link protoPackages}. */
export type ProtoPackage = (typeof protoPackages)[number];
