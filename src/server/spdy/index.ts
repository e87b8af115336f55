/** SPDY/3.1, as Kubernetes' streaming protocols (port-forward) still speak it. */
export { SPDY3_DICTIONARY } from './dictionary.ts';
export {
  CONTROL, decodeFrames, decodeHeaderBlock, encodeFrame, encodeHeaderBlock, FLAG_FIN, FLAG_UNIDIRECTIONAL, MAX_FRAME_PAYLOAD, RST_STATUS,
  SPDY_VERSION, SpdyProtocolError, type HeaderList, type SettingsEntry, type SpdyFrame,
} from './frames.ts';
export { HeaderCompressor, HeaderDecompressor } from './header-compression.ts';
export { SpdySession, SpdyStream, TRANSPORT_HIGH_WATER_MARK, type ByteTransport, type TransportFlow } from './session.ts';
