/**
 * The SPDY/3.1 framer against bytes written out from the SPDY/3.1 draft (section 2.2 frame headers,
 * 2.6 control frame payloads, 2.6.10 name/value blocks and their zlib compression with the SPDY/3
 * dictionary), and the session's stream handling as moby/spdystream (kubectl's side) drives it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants, inflateSync } from 'node:zlib';
import {
  decodeFrames, decodeHeaderBlock, encodeFrame, encodeHeaderBlock, FLAG_FIN, HeaderCompressor, HeaderDecompressor, RST_STATUS,
  SPDY3_DICTIONARY, SpdyProtocolError, SpdySession, type SpdyFrame, type SpdyStream,
} from '../../src/server/spdy/index.ts';

/** RFC 1950 §8.2. */
function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Frames as the draft lays them out, byte by byte. */
const FRAMES: Array<{ name: string; bytes: string; frame: SpdyFrame }> = [
  {
    name: 'SYN_STREAM: control bit + version 3, type 1, flags FIN, length 10+2; stream 1, associated 0, priority 3 (top 3 bits), slot 0',
    bytes: '8003 0001 01 00000c  00000001 00000000 60 00  abcd',
    frame: { type: 'synStream', streamId: 1, associatedTo: 0, priority: 3, slot: 0, flags: FLAG_FIN, headerBlock: hex('abcd') },
  },
  {
    name: 'SYN_REPLY: type 2, stream 3, header block follows the stream id',
    bytes: '8003 0002 00 000006  00000003 beef',
    frame: { type: 'synReply', streamId: 3, flags: 0, headerBlock: hex('beef') },
  },
  {
    name: 'RST_STREAM: type 3, length 8, stream 5, status 5 (CANCEL)',
    bytes: '8003 0003 00 000008  00000005 00000005',
    frame: { type: 'rstStream', streamId: 5, flags: 0, status: RST_STATUS.cancel },
  },
  {
    name: 'SETTINGS: type 4, one entry: flags 1 (PERSIST_VALUE), id 7 (INITIAL_WINDOW_SIZE, 24 bits), value 65536',
    bytes: '8003 0004 00 00000c  00000001 01000007 00010000',
    frame: { type: 'settings', flags: 0, entries: [{ flags: 1, id: 7, value: 65536 }] },
  },
  {
    name: 'PING: type 6, length 4, id 1 (client pings are odd)',
    bytes: '8003 0006 00 000004  00000001',
    frame: { type: 'ping', flags: 0, id: 1 },
  },
  {
    name: 'GOAWAY: type 7, length 8, last good stream 7, status 1 (PROTOCOL_ERROR)',
    bytes: '8003 0007 00 000008  00000007 00000001',
    frame: { type: 'goAway', flags: 0, lastGoodStreamId: 7, status: 1 },
  },
  {
    name: 'HEADERS: type 8, stream 9',
    bytes: '8003 0008 00 000005  00000009 00',
    frame: { type: 'headers', streamId: 9, flags: 0, headerBlock: hex('00') },
  },
  {
    name: 'WINDOW_UPDATE: type 9, length 8, stream 1, delta 32768 (31 bits)',
    bytes: '8003 0009 00 000008  00000001 00008000',
    frame: { type: 'windowUpdate', streamId: 1, flags: 0, delta: 32768 },
  },
  {
    name: 'DATA: control bit 0, stream 3, flags FIN, length 5, payload',
    bytes: '00000003 01 000005  68656c6c6f',
    frame: { type: 'data', streamId: 3, flags: FLAG_FIN, data: Buffer.from('hello') },
  },
];

for (const { name, bytes, frame } of FRAMES) {
  test(`frame layout (draft 3.1 §2.2/§2.6): ${name}`, () => {
    assert.deepEqual(encodeFrame(frame), hex(bytes));
    const { frames, consumed } = decodeFrames(hex(bytes));
    assert.equal(consumed, hex(bytes).length);
    assert.deepEqual(frames, [frame]);
  });
}

test('frames split anywhere decode once complete; the stream id\'s reserved high bit is ignored', () => {
  const all = Buffer.concat(FRAMES.map((f) => hex(f.bytes)));
  for (let cut = 0; cut < all.length; cut += 7) {
    const first = decodeFrames(all.subarray(0, cut));
    const rest = decodeFrames(all.subarray(first.consumed));
    assert.deepEqual([...first.frames, ...rest.frames].map((f) => f.type), FRAMES.map((f) => f.frame.type));
  }
  assert.equal((decodeFrames(hex('8003 0003 00 000008 80000003 00000005')).frames[0] as { streamId: number }).streamId, 3);
});

test('a control frame of another SPDY version (2) is a protocol error; unknown control types are kept to be ignored (§2.2.1)', () => {
  assert.throws(() => decodeFrames(hex('8002 0001 00 00000a 00000001 00000000 0000')), SpdyProtocolError);
  assert.deepEqual(decodeFrames(hex('8003 000a 00 000002 abcd')).frames, [{ type: 'unknown', controlType: 10, flags: 0, payload: hex('abcd') }]);
  assert.throws(() => decodeFrames(hex('8003 0003 00 000004 00000001')), /too short/);
});

test('name/value block (§2.6.10): 32-bit count, 32-bit lengths, lower-case names, several values joined by NUL', () => {
  const block = encodeHeaderBlock([['streamType', ['data']], ['port', ['80']], ['x', ['a', 'b']]]);
  assert.deepEqual(block, Buffer.concat([
    hex('00000003'),
    hex('0000000a'), Buffer.from('streamtype'), hex('00000004'), Buffer.from('data'),
    hex('00000004'), Buffer.from('port'), hex('00000002'), Buffer.from('80'),
    hex('00000001'), Buffer.from('x'), hex('00000003'), Buffer.from('a\0b'),
  ]));
  assert.deepEqual(decodeHeaderBlock(block), new Map([['streamtype', ['data']], ['port', ['80']], ['x', ['a', 'b']]]));
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated/);
});

test('the SPDY/3 dictionary: 1,423 bytes, Adler-32 0xe3c6a7c2 (the zlib dictionary id)', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(adler32(SPDY3_DICTIONARY), 0xe3c6a7c2);
  assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
  assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith(',*,enq=0.'));
});

test('header compression: one zlib stream per direction with the dictionary, each block sync-flushed', async () => {
  const compressor = new HeaderCompressor();
  const decompressor = new HeaderDecompressor();
  try {
    const blocks = [
      encodeHeaderBlock([['streamtype', ['error']], ['port', ['80']], ['requestid', ['0']]]),
      encodeHeaderBlock([['streamtype', ['data']], ['port', ['80']], ['requestid', ['0']]]),
      encodeHeaderBlock([]),
    ];
    const compressed = [];
    for (const b of blocks) compressed.push(await compressor.compress(b));
    // zlib header: CMF 0x78, FLG with FDICT (0x20), then the dictionary id (RFC 1950 §2.2).
    assert.equal(compressed[0][0], 0x78);
    assert.ok(compressed[0][1] & 0x20);
    assert.equal(compressed[0].readUInt32BE(2), 0xe3c6a7c2);
    // A sync flush ends each block with the empty stored block 00 00 ff ff.
    for (const c of compressed) assert.deepEqual(c.subarray(-4), hex('0000ffff'));
    // Later blocks have no zlib header: they continue the first block's stream.
    assert.notEqual(compressed[1][0], 0x78);
    // zlib itself reads the concatenation as one stream.
    assert.deepEqual(inflateSync(Buffer.concat(compressed), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH }), Buffer.concat(blocks));
    for (let i = 0; i < blocks.length; i++) assert.deepEqual(await decompressor.decompress(compressed[i]), blocks[i]);
    // A second SYN_STREAM with known headers round-trips through the frame layer too.
    const frame: SpdyFrame = { type: 'synStream', streamId: 3, associatedTo: 0, priority: 0, slot: 0, flags: 0, headerBlock: await compressor.compress(blocks[0]) };
    const [decoded] = decodeFrames(encodeFrame(frame)).frames;
    assert.equal(decoded.type, 'synStream');
    assert.deepEqual(decodeHeaderBlock(await decompressor.decompress((decoded as { headerBlock: Buffer }).headerBlock)), new Map([['streamtype', ['error']], ['port', ['80']], ['requestid', ['0']]]));
  } finally {
    compressor.close();
    decompressor.close();
  }
});

/** The client's half of a session: our framer plus its own compression context, as spdystream keeps one. */
class Client {
  readonly compressor = new HeaderCompressor();
  readonly decompressor = new HeaderDecompressor();
  received: Buffer = Buffer.alloc(0);
  ended = false;
  readonly session: SpdySession;

  constructor() {
    this.session = new SpdySession({ write: (d) => (this.received = Buffer.concat([this.received, d])), end: () => (this.ended = true) });
  }

  async synStream(id: number, headers: Array<[string, string[]]>, flags = 0): Promise<void> {
    const headerBlock = await this.compressor.compress(encodeHeaderBlock(headers));
    this.session.receive(encodeFrame({ type: 'synStream', streamId: id, associatedTo: 0, priority: 0, slot: 0, flags, headerBlock }));
  }

  frames(): SpdyFrame[] {
    const { frames, consumed } = decodeFrames(this.received);
    this.received = this.received.subarray(consumed);
    return frames;
  }

  close(): void {
    this.compressor.close();
    this.decompressor.close();
  }
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

test('session: SYN_STREAM → stream with headers → SYN_REPLY; DATA both ways with FIN; PING echoed; RST for unknown streams', async () => {
  const c = new Client();
  try {
    const streams: SpdyStream[] = [];
    c.session.on('stream', (s: SpdyStream) => {
      streams.push(s);
      s.reply();
    });
    await c.synStream(1, [['streamType', ['data']], ['port', ['80']], ['requestID', ['0']]]);
    await tick();
    assert.equal(streams.length, 1);
    assert.equal(streams[0].header('streamType'), 'data');
    assert.equal(streams[0].header('PORT'), '80');
    const [reply] = c.frames();
    assert.equal(reply.type, 'synReply');
    assert.equal((reply as { streamId: number }).streamId, 1);
    assert.deepEqual(decodeHeaderBlock(await c.decompressor.decompress((reply as { headerBlock: Buffer }).headerBlock)), new Map());

    const got: Buffer[] = [];
    streams[0].on('data', (d: Buffer) => got.push(d));
    let ended = false;
    streams[0].on('end', () => (ended = true));
    c.session.receive(encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.from('GET / ') }));
    c.session.receive(encodeFrame({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('HTTP/1.1') }));
    await tick();
    assert.equal(Buffer.concat(got).toString(), 'GET / HTTP/1.1');
    assert.ok(ended);

    streams[0].end('answer');
    c.session.receive(encodeFrame({ type: 'ping', flags: 0, id: 7 }));
    c.session.receive(encodeFrame({ type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 1 << 20 }] }));
    c.session.receive(encodeFrame({ type: 'windowUpdate', flags: 0, streamId: 1, delta: 1000 }));
    c.session.receive(encodeFrame({ type: 'data', streamId: 99, flags: 0, data: Buffer.from('x') }));
    await tick();
    assert.deepEqual(c.frames(), [
      { type: 'data', streamId: 1, flags: 0, data: Buffer.from('answer') },
      { type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) },
      { type: 'ping', flags: 0, id: 7 },
      { type: 'rstStream', streamId: 99, flags: 0, status: RST_STATUS.invalidStream },
    ]);
  } finally {
    c.session.transportClosed();
    c.close();
  }
});

test('session: a stream id that is even or not increasing is refused (§2.3.2); RST_STREAM from the client aborts the stream; GOAWAY ends the session', async () => {
  const c = new Client();
  try {
    const streams: SpdyStream[] = [];
    c.session.on('stream', (s: SpdyStream) => streams.push(s));
    await c.synStream(3, [['a', ['1']]]);
    await c.synStream(2, [['a', ['2']]]);
    await c.synStream(1, [['a', ['3']]]);
    await tick();
    assert.deepEqual(streams.map((s) => s.id), [3]);
    assert.deepEqual(c.frames(), [
      { type: 'rstStream', streamId: 2, flags: 0, status: RST_STATUS.protocolError },
      { type: 'rstStream', streamId: 1, flags: 0, status: RST_STATUS.protocolError },
    ]);
    let closed = false;
    streams[0].on('close', () => (closed = true));
    c.session.receive(encodeFrame({ type: 'rstStream', streamId: 3, flags: 0, status: RST_STATUS.cancel }));
    await tick();
    assert.ok(closed);
    let sessionClosed = false;
    c.session.on('close', () => (sessionClosed = true));
    c.session.receive(encodeFrame({ type: 'goAway', flags: 0, lastGoodStreamId: 0, status: 0 }));
    await tick();
    assert.ok(sessionClosed);
    assert.ok(c.ended);
  } finally {
    c.session.transportClosed();
    c.close();
  }
});
