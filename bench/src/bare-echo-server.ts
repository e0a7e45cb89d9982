/**
 * The baseline of the serving benchmark: a bare @grpc/grpc-js server answering
 * nightglow.sample.v1.EchoService/Echo with the same protobuf-es codec and no
 * runtime around it (no logging, metrics, tracing, context or error mapping).
 * Prints `port=<n>` once listening.
 */
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { EchoRequestSchema, EchoResponseSchema, type EchoRequest } from '@nightglow/contracts/sample/v1';

const server = new grpc.Server();
server.addService(
  {
    Echo: {
      path: '/nightglow.sample.v1.EchoService/Echo',
      requestStream: false,
      responseStream: false,
      requestDeserialize: (b: Buffer) => fromBinary(EchoRequestSchema, b),
      requestSerialize: (m: EchoRequest) => Buffer.from(toBinary(EchoRequestSchema, m)),
      responseSerialize: (m: unknown) =>
        Buffer.from(toBinary(EchoResponseSchema, create(EchoResponseSchema, m as never))),
      responseDeserialize: (b: Buffer) => fromBinary(EchoResponseSchema, b),
    },
  } as grpc.ServiceDefinition,
  {
    Echo: (call: grpc.ServerUnaryCall<EchoRequest, unknown>, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, { message: call.request.message, payload: call.request.payload }),
  },
);
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(`port=${port}`);
});
process.once('SIGTERM', () => server.forceShutdown());
