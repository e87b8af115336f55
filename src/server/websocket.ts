/**
 * The server side of RFC 6455, enough for the Kubernetes streaming protocols: the opening handshake
 * with subprotocol selection (`v5.channel.k8s.io`), masked client frames (fragmented messages, ping,
 * close), unmasked server frames. Written on node:http's `upgrade` event instead of the `ws` package
 * (not a dependency; it also rejects subprotocols like `SPDY/3.1+portforward.k8s.io`).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Largest message accepted from a client (stdin chunks and resize events are small). */
const MAX_MESSAGE = 16 * 1024 * 1024;

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** Encodes one unmasked frame (server → client), FIN set. */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let header: Buffer;
  if (len < 126) {
    header = Buffer.from([0x80 | opcode, len]);
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, payload]);
}

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export class ProtocolError extends Error {
  constructor(readonly closeCode: number, message: string) {
    super(message);
  }
}

/**
 * Decodes as many complete frames as `buf` holds; returns them and the bytes consumed.
 * `requireMask`: client frames must be masked (RFC 6455 5.1).
 */
export function decodeFrames(buf: Buffer, requireMask = true): { frames: Frame[]; consumed: number } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const b0 = buf[off];
    const b1 = buf[off + 1];
    if (b0 & 0x70) throw new ProtocolError(1002, 'reserved bits set');
    const masked = (b1 & 0x80) !== 0;
    if (requireMask && !masked) throw new ProtocolError(1002, 'client frames must be masked');
    let len = b1 & 0x7f;
    let pos = off + 2;
    if (len === 126) {
      if (buf.length < pos + 2) break;
      len = buf.readUInt16BE(pos);
      pos += 2;
    } else if (len === 127) {
      if (buf.length < pos + 8) break;
      const big = buf.readBigUInt64BE(pos);
      if (big > BigInt(MAX_MESSAGE)) throw new ProtocolError(1009, 'frame too large');
      len = Number(big);
      pos += 8;
    }
    if (len > MAX_MESSAGE) throw new ProtocolError(1009, 'frame too large');
    const maskLen = masked ? 4 : 0;
    if (buf.length < pos + maskLen + len) break;
    const mask = masked ? buf.subarray(pos, pos + 4) : undefined;
    pos += maskLen;
    const payload = Buffer.from(buf.subarray(pos, pos + len));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload });
    off = pos + len;
  }
  return { frames, consumed: off };
}

/** Picks the first of the server's protocols the client offers, in the server's order. */
export function chooseProtocol(offered: string | undefined, supported: readonly string[]): string | undefined {
  const list = (offered ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return supported.find((p) => list.includes(p));
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * Completes the handshake on `socket`; the caller has checked the request. Returns the connection.
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocketConnection {
  const key = req.headers['sec-websocket-key'];
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(String(key))}`,
    `Sec-WebSocket-Protocol: ${protocol}`,
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const conn = new WebSocketConnection(socket, protocol);
  if (head.length) conn.feed(head);
  return conn;
}

/** Validates the handshake headers; returns an error text or undefined. */
export function handshakeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET' && req.method !== 'POST') return `websocket upgrade needs GET, not ${req.method}`;
  if (!req.headers['sec-websocket-key']) return 'missing Sec-WebSocket-Key';
  if (req.headers['sec-websocket-version'] !== '13') return 'unsupported Sec-WebSocket-Version (need 13)';
  return undefined;
}

/**
 * Events: `message` (payload: Buffer, binary: boolean), `close` (code: number).
 */
export class WebSocketConnection extends EventEmitter {
  private pending: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closed = false;

  constructor(private readonly socket: Duplex, readonly protocol: string) {
    super();
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('close', () => this.finish(1006));
    socket.on('error', () => this.finish(1006));
  }

  feed(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let decoded;
    try {
      decoded = decodeFrames(this.pending);
    } catch (err) {
      this.close(err instanceof ProtocolError ? err.closeCode : 1002, (err as Error).message);
      return;
    }
    this.pending = this.pending.subarray(decoded.consumed);
    for (const f of decoded.frames) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    switch (f.opcode) {
      case OPCODE.ping:
        this.raw(OPCODE.pong, f.payload);
        return;
      case OPCODE.pong:
        return;
      case OPCODE.close: {
        const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
        this.close(code === 1005 ? 1000 : code);
        return;
      }
      case OPCODE.continuation:
        this.fragments.push(f.payload);
        break;
      case OPCODE.text:
      case OPCODE.binary:
        this.fragments = [f.payload];
        this.fragmentOpcode = f.opcode;
        break;
      default:
        this.close(1002, 'unknown opcode');
        return;
    }
    if (f.fin) {
      const data = Buffer.concat(this.fragments);
      this.fragments = [];
      this.emit('message', data, this.fragmentOpcode === OPCODE.binary);
    }
  }

  private raw(opcode: number, payload: Buffer): void {
    if (!this.closed && this.socket.writable) this.socket.write(encodeFrame(opcode, payload));
  }

  send(data: Buffer, binary = true): void {
    this.raw(binary ? OPCODE.binary : OPCODE.text, data);
  }

  /** Sends a close frame and ends the connection. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.raw(OPCODE.close, payload);
    this.socket.end();
    this.finish(code);
  }

  private finish(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
