export { decodeProtobufObject, ProtobufDecodeError, PROTOBUF_KINDS, PROTOBUF_MAGIC } from './decode.ts';
