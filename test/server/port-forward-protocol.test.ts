/**
 * The kubelet's port-forward stream handling (pkg/kubelet/cri/streaming/portforward/httpstream.go) on
 * a SPDY session driven frame by frame: header checks with the kubelet's messages, error/data pairs
 * joined by requestID (or, from clients without one, by stream id), and the error stream carrying
 * "error forwarding port N to pod …" when the runtime cannot connect.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import type { Pod } from '../../src/api/types.ts';
import type { PortForwardRequest } from '../../src/server/index.ts';
import { servePortForward, streamHeaderProblem } from '../../src/server/portforward.ts';
import {
  decodeFrames, encodeFrame, encodeHeaderBlock, FLAG_FIN, HeaderCompressor, RST_STATUS, SpdySession, type SpdyFrame,
} from '../../src/server/spdy/index.ts';

const header = (h: Record<string, string>) => ({ header: (name: string) => h[name] });

test('stream headers: the kubelet\'s checks and messages', () => {
  const cases: Array<[Record<string, string>, string | undefined]> = [
    [{ port: '80', streamType: 'data' }, undefined],
    [{ port: '80', streamType: 'error' }, undefined],
    [{ streamType: 'data' }, '"port" header is required'],
    [{ port: 'http', streamType: 'data' }, 'unable to parse "http" as a port'],
    [{ port: '70000', streamType: 'data' }, 'unable to parse "70000" as a port'],
    [{ port: '0', streamType: 'data' }, 'port "0" must be > 0'],
    [{ port: '80' }, '"streamType" header is required'],
    [{ port: '80', streamType: 'resize' }, 'invalid stream type "resize"'],
  ];
  for (const [h, want] of cases) assert.equal(streamHeaderProblem(header(h)), want, JSON.stringify(h));
});

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', uid: 'u-1' }, spec: { containers: [] } } as unknown as Pod;

class Peer {
  private readonly compressor = new HeaderCompressor();
  private received: Buffer = Buffer.alloc(0);
  readonly session = new SpdySession({ write: (d) => (this.received = Buffer.concat([this.received, d])), end: () => undefined });

  async open(id: number, headers: Record<string, string>, flags = 0): Promise<void> {
    const headerBlock = await this.compressor.compress(encodeHeaderBlock(Object.entries(headers).map(([k, v]) => [k, [v]])));
    this.session.receive(encodeFrame({ type: 'synStream', streamId: id, associatedTo: 0, priority: 0, slot: 0, flags, headerBlock }));
  }

  frames(): SpdyFrame[] {
    const { frames, consumed } = decodeFrames(this.received);
    this.received = this.received.subarray(consumed);
    return frames;
  }

  /** Data bytes per stream id and which streams ended (FIN). */
  data(frames: SpdyFrame[]): { text: Map<number, string>; fin: Set<number> } {
    const text = new Map<number, string>();
    const fin = new Set<number>();
    for (const f of frames) {
      if (f.type !== 'data') continue;
      text.set(f.streamId, (text.get(f.streamId) ?? '') + f.data.toString());
      if (f.flags & FLAG_FIN) fin.add(f.streamId);
    }
    return { text, fin };
  }

  close(): void {
    this.session.transportClosed();
    this.compressor.close();
  }
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

test('error + data streams with one requestID: the runtime gets the data stream; bytes flow; both streams end', async () => {
  const p = new Peer();
  const calls: PortForwardRequest[] = [];
  servePortForward(p.session, POD, async (req: PortForwardRequest, stream: Duplex) => {
    calls.push(req);
    const got = await new Promise<string>((resolve) => {
      let s = '';
      stream.on('data', (d: Buffer) => (s += d.toString()));
      stream.on('end', () => resolve(s));
    });
    stream.write(`echo:${got}`);
  });
  try {
    await p.open(1, { streamType: 'error', port: '80', requestID: '0' }, FLAG_FIN);
    await tick();
    assert.equal(calls.length, 0, 'the runtime waits for the data stream');
    await p.open(3, { streamType: 'data', port: '80', requestID: '0' });
    p.session.receive(encodeFrame({ type: 'data', streamId: 3, flags: FLAG_FIN, data: Buffer.from('hi') }));
    await tick();
    assert.deepEqual(calls.map((c) => [c.pod.metadata.name, c.port]), [['web', 80]]);
    const frames = p.frames();
    assert.deepEqual(frames.filter((f) => f.type === 'synReply').map((f) => (f as { streamId: number }).streamId), [1, 3]);
    const { text, fin } = p.data(frames);
    assert.equal(text.get(3), 'echo:hi');
    assert.equal(text.get(1) ?? '', '', 'nothing on the error stream');
    assert.deepEqual([...fin].sort(), [1, 3]);
  } finally {
    p.close();
  }
});

test('a runtime failure is written on the error stream as the kubelet words it; clients without requestID pair by stream id', async () => {
  const p = new Peer();
  servePortForward(p.session, POD, () => Promise.reject(new Error('failed to connect to localhost:81: connection refused')));
  try {
    await p.open(5, { streamType: 'error', port: '81' }, FLAG_FIN);
    await p.open(7, { streamType: 'data', port: '81' });
    await tick();
    const { text, fin } = p.data(p.frames());
    assert.equal(text.get(5), 'error forwarding port 81 to pod shop/web, uid u-1: failed to connect to localhost:81: connection refused');
    assert.ok(fin.has(5) && fin.has(7));
  } finally {
    p.close();
  }
});

test('a stream with bad headers is refused with RST_STREAM; a second data stream for one request is a protocol error', async () => {
  const p = new Peer();
  let calls = 0;
  servePortForward(p.session, POD, () => {
    calls += 1;
    return new Promise(() => undefined);
  });
  try {
    await p.open(1, { streamType: 'data' });
    await p.open(3, { streamType: 'data', port: '80', requestID: '9' });
    await p.open(5, { streamType: 'data', port: '80', requestID: '9' });
    await tick();
    const frames = p.frames();
    assert.deepEqual(frames.filter((f) => f.type === 'rstStream'), [
      { type: 'rstStream', streamId: 1, flags: 0, status: RST_STATUS.refusedStream },
      { type: 'rstStream', streamId: 5, flags: 0, status: RST_STATUS.protocolError },
    ]);
    assert.equal(calls, 0);
  } finally {
    p.close();
  }
});
