export { decodeProtobufObject, messageTypeOf, ProtobufDecodeError, PROTOBUF_MAGIC } from './decode.ts';
export { loadSchema } from './schema.ts';
