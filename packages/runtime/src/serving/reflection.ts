/**
 * gRPC server reflection (v1 and v1alpha) over the exact descriptors the
 * services were generated from, plus grpc.health.v1, so `grpcurl list`,
 * `describe` and calls by name work without .proto files.
 */
import type * as grpc from '@grpc/grpc-js';
import { toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { ReflectionService } from '@grpc/reflection';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { file_google_rpc_error_details } from '@nightglow/contracts/google/rpc';

function collectFiles(file: DescFile, into: Map<string, DescFile>): void {
  if (into.has(file.name)) return;
  for (const dep of file.dependencies) collectFiles(dep, into);
  into.set(file.name, file);
}

/** Adds both reflection services to `server`, describing `services` and health. */
export function addReflection(server: grpc.Server, services: readonly DescService[]): void {
  const files = new Map<string, DescFile>();
  for (const s of services) collectFiles(s.file, files);
  // Error details are not imported by service files, but clients (grpcurl) need them to print details.
  collectFiles(file_google_rpc_error_details, files);
  const fileDescriptorProtos = [...files.values()].map((f) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)),
  );
  const health = loadSync(healthProtoPath, { keepCase: true });
  const names = [...services.map((s) => s.typeName), 'grpc.health.v1.Health'];
  const reflection = new ReflectionService(
    {
      ...health,
      'nightglow.services': { format: 'Protocol Buffer 3 DescriptorProto', type: {}, fileDescriptorProtos },
    },
    { services: names },
  );
  reflection.addToServer(server);
}
