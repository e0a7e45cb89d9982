/**
 * A plain grpc-js client for any protobuf-es service, without generated grpc-js
 * stubs: used by tests and benchmarks to prove the runtime speaks native gRPC to
 * grpc-js exactly as it does to grpc-go or grpcio.
 */
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';

/** A grpc-js generic client whose methods are named like the RPCs (e.g. `Echo`). */
export type GenericGrpcClient = grpc.Client & Record<string, (...args: never[]) => unknown>;

function definition(method: DescMethod): grpc.MethodDefinition<unknown, unknown> {
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    requestStream: false,
    responseStream: method.methodKind === 'server_streaming',
    requestSerialize: (m: unknown) => Buffer.from(toBinary(method.input, create(method.input, m as never))),
    requestDeserialize: (b: Buffer) => fromBinary(method.input, b),
    responseSerialize: (m: unknown) => Buffer.from(toBinary(method.output, create(method.output, m as never))),
    responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
  };
}

/** Creates a grpc-js client for `service` at `address` (`host:port`, plaintext). */
export function createGrpcJsClient(
  service: DescService,
  address: string,
  options: grpc.ChannelOptions = {},
): GenericGrpcClient {
  const defs: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of service.methods) defs[m.name] = definition(m);
  const Ctor = grpc.makeGenericClientConstructor(defs as grpc.ServiceDefinition, service.typeName);
  return new Ctor(address, grpc.credentials.createInsecure(), options) as unknown as GenericGrpcClient;
}

/** Calls a unary method on a {@link createGrpcJsClient} client, resolving the response or rejecting with the ServiceError. */
export function grpcUnary<T>(
  client: GenericGrpcClient,
  method: string,
  request: unknown,
  opts: { deadlineMs?: number; metadata?: grpc.Metadata } = {},
): Promise<T> {
  const callOpts: grpc.CallOptions = opts.deadlineMs === undefined ? {} : { deadline: Date.now() + opts.deadlineMs };
  const fn = client[method] as unknown as (
    req: unknown,
    md: grpc.Metadata,
    o: grpc.CallOptions,
    cb: (e: grpc.ServiceError | null, r: T) => void,
  ) => void;
  return new Promise((resolve, reject) => {
    fn.call(client, request, opts.metadata ?? new grpc.Metadata(), callOpts, (e, r) => (e ? reject(e) : resolve(r)));
  });
}
