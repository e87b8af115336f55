export { decodeProtobufObject, messageTypeOf, ProtobufDecodeError, PROTOBUF_KINDS, PROTOBUF_MAGIC } from './decode.ts';
export { loadSchema } from './schema.ts';
