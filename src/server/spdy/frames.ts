/**
 * SPDY/3.1 frame layouts (SPDY Protocol Draft 3.1, section 2.2): every frame has an 8-byte header.
 *   control: |1| version (15) | type (16) | flags (8) | length (24) | payload
 *   data:    |0| stream id (31)           | flags (8) | length (24) | payload
 * Header blocks travel compressed; this module leaves them as bytes (see header-compression.ts) and
 * encodes/decodes the uncompressed name/value block separately. Pure: no I/O.
 */

export const SPDY_VERSION = 3;

export const CONTROL = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

/** FLAG_FIN on data frames and SYN_STREAM/SYN_REPLY/HEADERS; FLAG_UNIDIRECTIONAL on SYN_STREAM. */
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (section 2.6.3). */
export const RST_STATUS = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
} as const;

/** A frame's length field is 24 bits. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

const STREAM_ID_MASK = 0x7fffffff;

export interface SettingsEntry {
  flags: number;
  id: number;
  value: number;
}

export type SpdyFrame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedTo: number; priority: number; slot: number; flags: number; headerBlock: Buffer }
  | { type: 'synReply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rstStream'; streamId: number; flags: number; status: number }
  | { type: 'settings'; flags: number; entries: SettingsEntry[] }
  | { type: 'ping'; flags: number; id: number }
  | { type: 'goAway'; flags: number; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'windowUpdate'; streamId: number; flags: number; delta: number }
  /** A control frame type SPDY/3.1 does not define: receivers ignore it (section 2.2.1). */
  | { type: 'unknown'; controlType: number; flags: number; payload: Buffer };

export class SpdyProtocolError extends Error {}

function controlHeader(type: number, flags: number, length: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | length) >>> 0, 4);
  return h;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`control frame payload of ${payload.length} bytes exceeds 2^24-1`);
  return Buffer.concat([controlHeader(type, flags, payload.length), payload]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** Encodes one frame; header blocks must already be compressed. */
export function encodeFrame(f: SpdyFrame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`data frame payload of ${f.data.length} bytes exceeds 2^24-1`);
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      h.writeUInt32BE(((f.flags & 0xff) << 24 | f.data.length) >>> 0, 4);
      return Buffer.concat([h, f.data]);
    }
    case 'synStream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      fixed.writeUInt32BE(f.associatedTo & STREAM_ID_MASK, 4);
      fixed[8] = (f.priority & 0x7) << 5;
      fixed[9] = f.slot & 0xff;
      return control(CONTROL.synStream, f.flags, Buffer.concat([fixed, f.headerBlock]));
    }
    case 'synReply':
      return control(CONTROL.synReply, f.flags, Buffer.concat([u32(f.streamId & STREAM_ID_MASK), f.headerBlock]));
    case 'rstStream':
      return control(CONTROL.rstStream, f.flags, u32(f.streamId & STREAM_ID_MASK, f.status));
    case 'settings': {
      const body = Buffer.alloc(4 + 8 * f.entries.length);
      body.writeUInt32BE(f.entries.length, 0);
      f.entries.forEach((e, i) => {
        body.writeUInt32BE(((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0, 4 + 8 * i);
        body.writeUInt32BE(e.value >>> 0, 8 + 8 * i);
      });
      return control(CONTROL.settings, f.flags, body);
    }
    case 'ping':
      return control(CONTROL.ping, f.flags, u32(f.id));
    case 'goAway':
      return control(CONTROL.goAway, f.flags, u32(f.lastGoodStreamId & STREAM_ID_MASK, f.status));
    case 'headers':
      return control(CONTROL.headers, f.flags, Buffer.concat([u32(f.streamId & STREAM_ID_MASK), f.headerBlock]));
    case 'windowUpdate':
      return control(CONTROL.windowUpdate, f.flags, u32(f.streamId & STREAM_ID_MASK, f.delta & STREAM_ID_MASK));
    case 'unknown':
      return control(f.controlType, f.flags, f.payload);
  }
}

function need(payload: Buffer, n: number, what: string): void {
  if (payload.length < n) throw new SpdyProtocolError(`${what} frame of ${payload.length} bytes is too short (needs ${n})`);
}

function decodeControl(type: number, flags: number, p: Buffer): SpdyFrame {
  const id = (off: number): number => p.readUInt32BE(off) & STREAM_ID_MASK;
  switch (type) {
    case CONTROL.synStream:
      need(p, 10, 'SYN_STREAM');
      return { type: 'synStream', streamId: id(0), associatedTo: id(4), priority: p[8] >> 5, slot: p[9], flags, headerBlock: p.subarray(10) };
    case CONTROL.synReply:
      need(p, 4, 'SYN_REPLY');
      return { type: 'synReply', streamId: id(0), flags, headerBlock: p.subarray(4) };
    case CONTROL.rstStream:
      need(p, 8, 'RST_STREAM');
      return { type: 'rstStream', streamId: id(0), flags, status: p.readUInt32BE(4) };
    case CONTROL.settings: {
      need(p, 4, 'SETTINGS');
      const count = p.readUInt32BE(0);
      need(p, 4 + 8 * count, 'SETTINGS');
      const entries: SettingsEntry[] = [];
      for (let i = 0; i < count; i++) {
        const w = p.readUInt32BE(4 + 8 * i);
        entries.push({ flags: w >>> 24, id: w & 0xffffff, value: p.readUInt32BE(8 + 8 * i) });
      }
      return { type: 'settings', flags, entries };
    }
    case CONTROL.ping:
      need(p, 4, 'PING');
      return { type: 'ping', flags, id: p.readUInt32BE(0) };
    case CONTROL.goAway:
      need(p, 8, 'GOAWAY');
      return { type: 'goAway', flags, lastGoodStreamId: id(0), status: p.readUInt32BE(4) };
    case CONTROL.headers:
      need(p, 4, 'HEADERS');
      return { type: 'headers', streamId: id(0), flags, headerBlock: p.subarray(4) };
    case CONTROL.windowUpdate:
      need(p, 8, 'WINDOW_UPDATE');
      return { type: 'windowUpdate', streamId: id(0), flags, delta: id(4) };
    default:
      return { type: 'unknown', controlType: type, flags, payload: p };
  }
}

/**
 * Decodes the complete frames at the start of `buf`; returns them and the bytes consumed (a partial
 * frame at the end waits for more bytes). A control frame of another SPDY version is an error.
 */
export function decodeFrames(buf: Buffer): { frames: SpdyFrame[]; consumed: number } {
  const frames: SpdyFrame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const w0 = buf.readUInt32BE(off);
    const w1 = buf.readUInt32BE(off + 4);
    const flags = w1 >>> 24;
    const length = w1 & 0xffffff;
    if (buf.length - off - 8 < length) break;
    const payload = Buffer.from(buf.subarray(off + 8, off + 8 + length));
    if (w0 & 0x80000000) {
      const version = (w0 >>> 16) & 0x7fff;
      if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version} (this server speaks SPDY/3.1)`);
      frames.push(decodeControl(w0 & 0xffff, flags, payload));
    } else {
      frames.push({ type: 'data', streamId: w0 & STREAM_ID_MASK, flags, data: payload });
    }
    off += 8 + length;
  }
  return { frames, consumed: off };
}

/** Header names are lower case on the wire; a name may carry several values (NUL-separated). */
export type HeaderList = ReadonlyArray<readonly [string, readonly string[]]>;

/**
 * The uncompressed name/value block (section 2.6.10): a 32-bit pair count, then for each pair a
 * 32-bit length and the name, a 32-bit length and the value (several values joined by NUL).
 */
export function encodeHeaderBlock(headers: HeaderList): Buffer {
  const parts: Buffer[] = [u32(headers.length)];
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Decodes a name/value block into lower-cased names and their values. */
export function decodeHeaderBlock(block: Buffer): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const read = (off: number, what: string): { text: string; next: number } => {
    if (block.length < off + 4) throw new SpdyProtocolError(`header block truncated in a ${what} length`);
    const len = block.readUInt32BE(off);
    if (block.length < off + 4 + len) throw new SpdyProtocolError(`header block truncated in a ${what}`);
    return { text: block.toString('utf8', off + 4, off + 4 + len), next: off + 4 + len };
  };
  if (block.length < 4) throw new SpdyProtocolError('header block shorter than its pair count');
  const count = block.readUInt32BE(0);
  let off = 4;
  for (let i = 0; i < count; i++) {
    const name = read(off, 'name');
    const value = read(name.next, 'value');
    off = value.next;
    if (!name.text) throw new SpdyProtocolError('header block has an empty header name');
    const key = name.text.toLowerCase();
    headers.set(key, [...(headers.get(key) ?? []), ...value.text.split('\0')]);
  }
  return headers;
}
