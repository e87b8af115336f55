/**
 * The server side of a SPDY/3.1 connection over any byte transport (a socket after `Upgrade:
 * SPDY/3.1`, or the binary messages of a WebSocket tunnel), as much as Kubernetes' streaming
 * clients use (moby/spdystream): the client opens streams with SYN_STREAM, we answer SYN_REPLY or
 * RST_STREAM; DATA frames carry bytes, FIN half-closes; PINGs are echoed; SETTINGS and WINDOW_UPDATE
 * are read and ignored (spdystream sends data regardless of windows, and so do we); GOAWAY ends the
 * session. Each stream is a Node Duplex (allowHalfOpen), so callers pipe it like a socket.
 *
 * Backpressure, given the transport's socket (`ByteTransport.flow`): a stream's write completes only
 * once the socket's unsent bytes are below TRANSPORT_HIGH_WATER_MARK (so `stream.write()` returns false
 * and 'drain' follows, as on a socket), and while any stream's reader lags (its buffer is full) the
 * socket is paused — the peer's TCP window then closes. Pausing the whole session for one stream is
 * what spdystream does too: its frame loop blocks on a stream whose reader does not read.
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { decodeFrames, decodeHeaderBlock, encodeFrame, encodeHeaderBlock, FLAG_FIN, FLAG_UNIDIRECTIONAL, RST_STATUS, SpdyProtocolError, type HeaderList, type SpdyFrame } from './frames.ts';
import { HeaderCompressor, HeaderDecompressor } from './header-compression.ts';

/** The socket under a transport (also under a WebSocket tunnel), as far as backpressure needs it. */
export interface TransportFlow {
  /** Bytes written and not yet sent. */
  readonly writableLength: number;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  removeListener(event: 'drain' | 'close', listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** Where the session's bytes go; the caller feeds received bytes to `SpdySession.receive`. */
export interface ByteTransport {
  write(data: Buffer): void;
  end(): void;
  /** Without it the session buffers without bound (no backpressure either way). */
  flow?: TransportFlow;
}

/** Stream writes wait while the transport holds more unsent bytes than this. */
export const TRANSPORT_HIGH_WATER_MARK = 256 * 1024;

/**
 * Received DATA bytes queued behind a frame still being handled (a SYN_STREAM's header block
 * decompresses asynchronously) above which the transport is paused too.
 */
const INBOUND_HIGH_WATER_MARK = 256 * 1024;

/** Data frames we send are cut to this size (spdystream reads any size up to 2^24-1). */
const MAX_DATA_CHUNK = 32 * 1024;

export class SpdyStream extends Duplex {
  private localClosed = false;
  private remoteClosed = false;
  private replied = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: Map<string, string[]>,
  ) {
    super({ allowHalfOpen: true });
    // Writes racing a reset (or the session's end) must not surface as an unhandled 'error'.
    this.on('error', () => undefined);
    // A stream gone (destroyed by its user too) no longer holds the session's reading.
    this.on('close', () => session.readerCaughtUp(id));
  }

  /** The first value of a header (names are case-insensitive). */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  /** Accepts the stream (SYN_REPLY). */
  reply(headers: HeaderList = []): void {
    if (this.replied) return;
    this.replied = true;
    this.session.sendHeaders('synReply', this.id, headers);
  }

  /** Refuses or aborts the stream (RST_STREAM). */
  reset(status: number = RST_STATUS.cancel): void {
    if (this.localClosed && this.remoteClosed) return;
    this.session.send({ type: 'rstStream', streamId: this.id, flags: 0, status });
    this.localClosed = true;
    this.remoteClosed = true;
    this.session.forget(this.id);
    this.destroy();
  }

  /** @internal bytes from the peer */
  deliver(data: Buffer, fin: boolean): void {
    if (this.remoteClosed) return;
    if (data.length && !this.push(data)) this.session.readerBehind(this.id);
    if (fin) this.remoteFinished();
  }

  /** @internal the peer half-closed (FIN) */
  remoteFinished(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    this.settle();
  }

  /** @internal the peer reset the stream or the session ended */
  aborted(): void {
    this.localClosed = true;
    this.remoteClosed = true;
    this.push(null);
    this.destroy();
  }

  override _read(): void {
    this.session.readerCaughtUp(this.id);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.localClosed) return cb();
    this.reply();
    for (let off = 0; off < chunk.length; off += MAX_DATA_CHUNK) {
      this.session.send({ type: 'data', streamId: this.id, flags: 0, data: chunk.subarray(off, off + MAX_DATA_CHUNK) });
    }
    this.session.whenWritable(() => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.localClosed) {
      this.reply();
      this.localClosed = true;
      this.session.send({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
      this.settle();
    }
    cb();
  }

  private settle(): void {
    if (this.localClosed && this.remoteClosed) this.session.forget(this.id);
  }

  /** @internal a unidirectional stream is closed on our side from the start */
  closeLocal(): void {
    this.localClosed = true;
  }
}

/** Events: `stream` (SpdyStream, to reply or reset), `close`. */
export class SpdySession extends EventEmitter {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private pending: Buffer = Buffer.alloc(0);
  /** Received frames are handled one at a time: header blocks decompress asynchronously, in order. */
  private inbound: Promise<void> = Promise.resolve();
  /** Sent frames leave in order, after the header blocks before them are compressed. */
  private outbound: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;
  /** Stream writes waiting for the transport to drain. */
  private writeWaiters: Array<() => void> = [];
  /** Streams whose reader lags: while any, the transport is paused. */
  private readonly lagging = new Set<number>();
  /** Bytes of frames queued to send and not yet handed to the transport. */
  private queuedOutbound = 0;
  /** DATA bytes received and not yet handed to their stream. */
  private queuedInbound = 0;
  private paused = false;

  constructor(private readonly transport: ByteTransport) {
    super();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes from the peer. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let frames: SpdyFrame[];
    try {
      const decoded = decodeFrames(this.pending);
      frames = decoded.frames;
      this.pending = this.pending.subarray(decoded.consumed);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const f of frames) {
      const size = f.type === 'data' ? f.data.length : 0;
      this.queuedInbound += size;
      this.inbound = this.inbound
        .then(() => (this.closed ? undefined : this.handle(f)))
        .catch((err: Error) => this.fail(err))
        .finally(() => {
          this.queuedInbound -= size;
          this.updatePaused();
        });
    }
    this.updatePaused();
  }

  /** Reads the transport only while no stream's reader lags and few received bytes wait to be handled. */
  private updatePaused(): void {
    const flow = this.transport.flow;
    if (!flow || this.closed) return;
    const pause = this.lagging.size > 0 || this.queuedInbound > INBOUND_HIGH_WATER_MARK;
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) flow.pause();
    else flow.resume();
  }

  /** @internal queue a frame */
  send(frame: SpdyFrame): void {
    if (this.closed) return;
    const bytes = encodeFrame(frame);
    this.queuedOutbound += bytes.length;
    this.outbound = this.outbound.then(() => {
      this.queuedOutbound -= bytes.length;
      if (!this.closed) this.transport.write(bytes);
    });
  }

  /** @internal queue a SYN_REPLY or HEADERS frame with a compressed header block */
  sendHeaders(type: 'synReply' | 'headers', streamId: number, headers: HeaderList): void {
    if (this.closed) return;
    const block = this.compressor.compress(encodeHeaderBlock(headers));
    this.outbound = this.outbound.then(async () => {
      const headerBlock = await block;
      if (!this.closed) this.transport.write(encodeFrame({ type, streamId, flags: 0, headerBlock }));
    }).catch((err: Error) => this.fail(err));
  }

  /** @internal a stream that both sides have closed */
  forget(id: number): void {
    this.streams.delete(id);
    this.readerCaughtUp(id);
  }

  /**
   * @internal calls `done` once the frames queued so far are handed to the transport and its unsent
   * bytes are at most TRANSPORT_HIGH_WATER_MARK — at once (keeping the order of what the stream does
   * next) without a flow, once closed, or while everything queued fits under the mark.
   */
  whenWritable(done: () => void): void {
    const flow = this.transport.flow;
    if (this.closed || !flow || flow.writableLength + this.queuedOutbound <= TRANSPORT_HIGH_WATER_MARK) return done();
    void this.outbound.then(() => {
      if (this.closed || flow.writableLength <= TRANSPORT_HIGH_WATER_MARK) return done();
      this.writeWaiters.push(done);
      if (this.writeWaiters.length > 1) return;
      // Above the socket's own high-water mark its write returned false, so 'drain' follows; 'close' if it dies.
      const release = (): void => {
        flow.removeListener('drain', release);
        flow.removeListener('close', release);
        const waiters = this.writeWaiters;
        this.writeWaiters = [];
        for (const w of waiters) w();
      };
      flow.once('drain', release);
      flow.once('close', release);
    });
  }

  /** @internal a stream's reader has not taken what was delivered: stop reading the transport. */
  readerBehind(id: number): void {
    this.lagging.add(id);
    this.updatePaused();
  }

  /** @internal a stream's reader wants more (or the stream is gone): read again once no stream lags. */
  readerCaughtUp(id: number): void {
    if (this.lagging.delete(id)) this.updatePaused();
  }

  /** Ends the session: GOAWAY, then the transport closes once queued frames are out. */
  close(): void {
    if (this.closed) return;
    this.send({ type: 'goAway', flags: 0, lastGoodStreamId: this.lastStreamId, status: 0 });
    void this.outbound.then(() => this.transportClosed(true));
  }

  /** The transport went away (or we are closing it). */
  transportClosed(endTransport = false): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.aborted();
    this.streams.clear();
    const waiters = this.writeWaiters;
    this.writeWaiters = [];
    for (const w of waiters) w();
    this.compressor.close();
    this.decompressor.close();
    if (endTransport) this.transport.end();
    this.emit('close');
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.emit('protocolError', err);
    // GOAWAY with PROTOCOL_ERROR (status 1), as the spec asks for a session error.
    this.send({ type: 'goAway', flags: 0, lastGoodStreamId: this.lastStreamId, status: err instanceof SpdyProtocolError ? 1 : 2 });
    void this.outbound.then(() => this.transportClosed(true));
  }

  private async handle(f: SpdyFrame): Promise<void> {
    switch (f.type) {
      case 'synStream': {
        const headers = decodeHeaderBlock(await this.decompressor.decompress(f.headerBlock));
        if (f.streamId === 0 || f.streamId % 2 === 0 || f.streamId <= this.lastStreamId) {
          // A client stream id must be odd and increasing (section 2.3.2).
          this.send({ type: 'rstStream', streamId: f.streamId, flags: 0, status: RST_STATUS.protocolError });
          return;
        }
        this.lastStreamId = f.streamId;
        const stream = new SpdyStream(this, f.streamId, headers);
        this.streams.set(f.streamId, stream);
        if (f.flags & FLAG_UNIDIRECTIONAL) stream.closeLocal();
        this.emit('stream', stream);
        if (f.flags & FLAG_FIN) stream.remoteFinished();
        return;
      }
      case 'synReply':
      case 'headers': {
        // Decoded even when unused: the next header block continues this one's zlib stream.
        await this.decompressor.decompress(f.headerBlock);
        if (f.flags & FLAG_FIN) this.streams.get(f.streamId)?.remoteFinished();
        return;
      }
      case 'data': {
        const stream = this.streams.get(f.streamId);
        if (!stream) {
          this.send({ type: 'rstStream', streamId: f.streamId, flags: 0, status: RST_STATUS.invalidStream });
          return;
        }
        stream.deliver(f.data, (f.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'rstStream': {
        const stream = this.streams.get(f.streamId);
        this.forget(f.streamId);
        stream?.aborted();
        return;
      }
      case 'ping':
        // A client's pings (odd ids) come back unchanged; we send none, so even ids are not ours to echo.
        if (f.id % 2 === 1) this.send({ type: 'ping', flags: 0, id: f.id });
        return;
      case 'goAway':
        this.transportClosed(true);
        return;
      case 'settings':
      case 'windowUpdate':
      case 'unknown':
        return;
    }
  }
}
