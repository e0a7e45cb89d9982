/**
 * Encodes a ConnectError's details as the binary `google.rpc.Status` that
 * native gRPC carries in the `grpc-status-details-bin` trailer, so grpc-go,
 * grpcio and grpcurl clients can read BadRequest, ResourceInfo, etc.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import type { ConnectError } from '@connectrpc/connect';
import { StatusSchema } from '@nightglow/contracts/google/rpc/status';

/** The binary google.rpc.Status for `err`, or undefined when it carries no details. */
export function encodeStatusDetails(err: ConnectError): Buffer | undefined {
  if (err.details.length === 0) return undefined;
  const details = err.details.map((d) =>
    'desc' in d
      ? create(AnySchema, {
          typeUrl: `type.googleapis.com/${d.desc.typeName}`,
          value: toBinary(d.desc, create(d.desc, d.value)),
        })
      : create(AnySchema, { typeUrl: `type.googleapis.com/${d.type}`, value: d.value }),
  );
  const bytes = toBinary(StatusSchema, create(StatusSchema, { code: err.code, message: err.rawMessage, details }));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
