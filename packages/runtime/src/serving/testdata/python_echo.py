"""Calls the sample EchoService from Python grpcio using only server reflection
(v1alpha, through grpcio-reflection): no stubs, no .proto files. Prints one
JSON line per call for the integration test to assert on."""
import json
import sys

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

address = sys.argv[1]
channel = grpc.insecure_channel(address)
database = ProtoReflectionDescriptorDatabase(channel)
pool = DescriptorPool(database)
method = pool.FindServiceByName("nightglow.sample.v1.EchoService").FindMethodByName("Echo")
Request = message_factory.GetMessageClass(method.input_type)
Response = message_factory.GetMessageClass(method.output_type)
echo = channel.unary_unary(
    "/nightglow.sample.v1.EchoService/Echo",
    request_serializer=Request.SerializeToString,
    response_deserializer=Response.FromString,
)
reply = echo(Request(message="from python"), timeout=5)
print(json.dumps({"message": reply.message, "services": sorted(database.get_services())}))
try:
    echo(Request(message="x", fail=2), timeout=5)
    print(json.dumps({"code": "OK"}))
except grpc.RpcError as error:
    print(json.dumps({"code": error.code().name, "details": error.details()}))
