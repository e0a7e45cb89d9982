/**
 * A schema for the codec tests built at run time, with the field kinds the
 * envelope lacks: repeated scalars packed and not (`[packed = false]`), maps
 * of every value kind, `jstype = JS_STRING`, proto3 `optional`, a recursive
 * type, and a type the fast decoder leaves to protobuf-es (an `int32` map
 * key, a wrapper-type field).
 */
import { create, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FieldOptions_JSType as JSType,
  FileDescriptorProtoSchema,
  file_google_protobuf_wrappers,
} from '@bufbuild/protobuf/wkt';

type FieldInit = { name: string; number: number; type: Type; typeName?: string; repeated?: boolean };

function field(init: FieldInit & { unpacked?: boolean; jsString?: boolean; optional?: boolean; oneof?: number }) {
  return {
    name: init.name,
    number: init.number,
    type: init.type,
    label: init.repeated === true ? Label.REPEATED : Label.OPTIONAL,
    ...(init.typeName === undefined ? {} : { typeName: init.typeName }),
    ...(init.oneof === undefined ? {} : { oneofIndex: init.oneof }),
    ...(init.optional === true ? { proto3Optional: true, oneofIndex: 1 } : {}),
    options: {
      ...(init.unpacked === true ? { packed: false } : {}),
      ...(init.jsString === true ? { jstype: JSType.JS_STRING } : {}),
    },
  };
}

function mapEntry(name: string, key: Type, value: Type, typeName?: string) {
  return {
    name,
    field: [
      field({ name: 'key', number: 1, type: key }),
      field({ name: 'value', number: 2, type: value, ...(typeName === undefined ? {} : { typeName }) }),
    ],
    options: { mapEntry: true },
  };
}

const S = '.codec.test.Sample';
const file = create(FileDescriptorProtoSchema, {
  name: 'codec_test.proto',
  package: 'codec.test',
  syntax: 'proto3',
  dependency: ['google/protobuf/wrappers.proto'],
  enumType: [{ name: 'Color', value: ['COLOR_UNSPECIFIED', 'RED', 'GREEN'].map((name, number) => ({ name, number })) }],
  messageType: [
    {
      name: 'Sample',
      field: [
        field({ name: 'ints', number: 1, type: Type.INT32, repeated: true }),
        field({ name: 'sints', number: 2, type: Type.SINT64, repeated: true, unpacked: true }),
        field({ name: 'fixeds', number: 3, type: Type.FIXED32, repeated: true }),
        field({ name: 'doubles', number: 4, type: Type.DOUBLE, repeated: true, unpacked: true }),
        field({ name: 'flags', number: 5, type: Type.BOOL, repeated: true }),
        field({ name: 'colors', number: 6, type: Type.ENUM, typeName: '.codec.test.Color', repeated: true }),
        field({ name: 'names', number: 7, type: Type.STRING, repeated: true }),
        field({ name: 'blobs', number: 8, type: Type.BYTES, repeated: true }),
        field({ name: 'counts', number: 9, type: Type.MESSAGE, typeName: `${S}.CountsEntry`, repeated: true }),
        field({ name: 'data', number: 10, type: Type.MESSAGE, typeName: `${S}.DataEntry`, repeated: true }),
        field({ name: 'children', number: 11, type: Type.MESSAGE, typeName: `${S}.ChildrenEntry`, repeated: true }),
        field({ name: 'keyed', number: 12, type: Type.MESSAGE, typeName: '.codec.test.Keyed' }),
        field({ name: 'big', number: 14, type: Type.UINT64, optional: true }),
        field({ name: 'as_string', number: 15, type: Type.INT64, jsString: true }),
        field({ name: 'text', number: 17, type: Type.STRING, oneof: 0 }),
        field({ name: 'child', number: 18, type: Type.MESSAGE, typeName: S, oneof: 0 }),
        field({ name: 'color', number: 19, type: Type.ENUM, typeName: '.codec.test.Color', oneof: 0 }),
        field({ name: 'sfixed', number: 20, type: Type.SFIXED64 }),
        field({ name: 'float', number: 21, type: Type.FLOAT }),
        field({ name: 'uint', number: 22, type: Type.UINT32 }),
        field({ name: 'sint', number: 23, type: Type.SINT32 }),
        field({ name: 'fixed', number: 24, type: Type.FIXED64 }),
        field({ name: 'blob', number: 25, type: Type.BYTES }),
        field({ name: 'items', number: 27, type: Type.MESSAGE, typeName: S, repeated: true }),
        field({ name: 'longs', number: 28, type: Type.UINT64, repeated: true, jsString: true }),
        field({ name: 'far', number: 5000, type: Type.SFIXED32 }),
      ],
      oneofDecl: [{ name: 'choice' }, { name: '_big' }],
      nestedType: [
        mapEntry('CountsEntry', Type.STRING, Type.INT64),
        mapEntry('DataEntry', Type.STRING, Type.BYTES),
        mapEntry('ChildrenEntry', Type.STRING, Type.MESSAGE, S),
      ],
    },
    {
      name: 'Keyed',
      field: [
        field({
          name: 'by_id',
          number: 1,
          type: Type.MESSAGE,
          typeName: '.codec.test.Keyed.ByIdEntry',
          repeated: true,
        }),
        field({ name: 'wrapped', number: 2, type: Type.MESSAGE, typeName: '.google.protobuf.Int32Value' }),
        field({ name: 'back', number: 3, type: Type.MESSAGE, typeName: S }),
      ],
      nestedType: [mapEntry('ByIdEntry', Type.INT32, Type.STRING)],
    },
  ],
});

const registry = createFileRegistry(file, (name) =>
  name === 'google/protobuf/wrappers.proto' ? file_google_protobuf_wrappers : undefined,
);

function message(name: string): DescMessage {
  const desc = registry.getMessage(name);
  if (desc === undefined) throw new Error(`${name} missing from the test schema`);
  return desc;
}

/** `codec.test.Sample`: every field kind the fast decoder reads itself. */
export const SampleSchema = message('codec.test.Sample');
/** `codec.test.Keyed`: a type the fast decoder leaves to protobuf-es. */
export const KeyedSchema = message('codec.test.Keyed');
