/**
 * Port-forward flow control. The kubelet's port-forward copies with io.Copy over blocking streams:
 * a side that does not read stops the other from sending (TCP's window), and nothing is buffered
 * without bound. Here: the SPDY session completes a stream's writes only while its socket's unsent
 * bytes stay under the high-water mark, pauses the socket while a stream's reader lags, and the
 * dataplane's relay copies both directions at once without blocking either.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import type { Pod } from '../../src/api/types.ts';
import { relayPortForward } from '../../src/dataplane/pod-runtime.ts';
import { servePortForward } from '../../src/server/portforward.ts';
import {
  decodeFrames, encodeFrame, encodeHeaderBlock, FLAG_FIN, HeaderCompressor, SpdySession, TRANSPORT_HIGH_WATER_MARK, type SpdyFrame, type SpdyStream,
} from '../../src/server/spdy/index.ts';

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'echo', namespace: 'shop', uid: 'u-1' }, spec: { containers: [] } } as unknown as Pod;
const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A socket stand-in whose unsent bytes the test sets. */
class FakeFlow extends EventEmitter {
  writableLength = 0;
  pauses = 0;
  resumes = 0;
  pause(): this {
    this.pauses += 1;
    return this;
  }
  resume(): this {
    this.resumes += 1;
    return this;
  }
}

async function openStream(session: SpdySession, compressor: HeaderCompressor, id: number): Promise<SpdyStream> {
  const got = new Promise<SpdyStream>((r) => session.once('stream', r));
  const headerBlock = await compressor.compress(encodeHeaderBlock([['streamtype', ['data']], ['port', ['80']]]));
  session.receive(encodeFrame({ type: 'synStream', streamId: id, associatedTo: 0, priority: 0, slot: 0, flags: 0, headerBlock }));
  return got;
}

test('session: a stream write completes only once the socket is under the high-water mark (then on drain)', async () => {
  const flow = new FakeFlow();
  const session = new SpdySession({ write: () => undefined, end: () => undefined, flow });
  const compressor = new HeaderCompressor();
  try {
    const stream = await openStream(session, compressor, 1);
    let done = 0;
    stream.write(Buffer.alloc(1000), () => (done += 1));
    await sleep(10);
    assert.equal(done, 1, 'under the mark: completes at once');
    flow.writableLength = TRANSPORT_HIGH_WATER_MARK + 1;
    stream.write(Buffer.alloc(1000), () => (done += 1));
    await sleep(10);
    assert.equal(done, 1, 'above the mark: waits');
    flow.writableLength = 0;
    flow.emit('drain');
    await sleep(10);
    assert.equal(done, 2, 'completes on drain');
  } finally {
    session.transportClosed();
    compressor.close();
  }
});

test('session: the socket is paused while a stream\'s reader lags, resumed once it reads again', async () => {
  const flow = new FakeFlow();
  const session = new SpdySession({ write: () => undefined, end: () => undefined, flow });
  const compressor = new HeaderCompressor();
  try {
    const stream = await openStream(session, compressor, 1);
    // Nobody reads: the stream's buffer fills past its high-water mark (16 KiB).
    for (let i = 0; i < 4; i++) session.receive(encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.alloc(8192) }));
    await sleep(10);
    assert.equal(flow.pauses, 1);
    assert.equal(flow.resumes, 0);
    stream.resume();
    await sleep(10);
    assert.equal(flow.resumes, 1);
    // A lagging stream that is destroyed releases the socket too.
    stream.pause();
    for (let i = 0; i < 4; i++) session.receive(encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.alloc(8192) }));
    await sleep(10);
    assert.equal(flow.pauses, 2);
    stream.destroy();
    await sleep(10);
    assert.equal(flow.resumes, 2);
  } finally {
    session.transportClosed();
    compressor.close();
  }
});

const listen = (server: Server): Promise<number> =>
  new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));

test('32 MiB through a forwarded connection to an echo server, read slowly: the server\'s buffers stay bounded, the bytes come back identical', { timeout: 120_000 }, async () => {
  // The "pod": an echo server (it stops reading while its own writes wait, as a blocking echo does).
  const echo = createServer((s) => s.pipe(s));
  const echoPort = await listen(echo);
  let serverSocket: Socket | undefined;
  let dataStream: Duplex | undefined;
  const api = createServer((socket) => {
    serverSocket = socket;
    const session = new SpdySession({ write: (d) => socket.writable && socket.write(d), end: () => socket.end(), flow: socket });
    socket.on('data', (c: Buffer) => session.receive(c));
    socket.on('close', () => session.transportClosed());
    socket.on('error', () => session.transportClosed());
    // The dataplane runtime's relay, here without a network namespace.
    servePortForward(session, POD, (req, stream) => {
      dataStream = stream;
      return relayPortForward([], echoPort, stream);
    });
  });
  const apiPort = await listen(api);
  const client = connect(apiPort, '127.0.0.1');
  await new Promise((r) => client.once('connect', r));
  const compressor = new HeaderCompressor();
  const peak = { socket: 0, stream: 0 };
  const sample = setInterval(() => {
    peak.socket = Math.max(peak.socket, serverSocket?.writableLength ?? 0);
    peak.stream = Math.max(peak.stream, (dataStream?.readableLength ?? 0) + (dataStream?.writableLength ?? 0));
  }, 2);
  try {
    const total = 32 * MiB;
    const payload = Buffer.alloc(total);
    for (let i = 0; i < total; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
    const sent = createHash('sha256').update(payload).digest('hex');

    // The client's (kubectl's) side: a deliberately slow reader.
    const received = createHash('sha256');
    let receivedBytes = 0;
    let pending = Buffer.alloc(0);
    const finished = new Promise<void>((resolve, reject) => {
      client.on('error', reject);
      client.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        const { frames, consumed } = decodeFrames(pending);
        pending = pending.subarray(consumed);
        for (const f of frames as SpdyFrame[]) {
          if (f.type !== 'data' || f.streamId !== 3) continue;
          received.update(f.data);
          receivedBytes += f.data.length;
          if (f.flags & FLAG_FIN) resolve();
        }
        client.pause();
        setTimeout(() => client.resume(), 3);
      });
    });
    const header = async (id: number, type: string, flags: number): Promise<void> => {
      const headerBlock = await compressor.compress(encodeHeaderBlock([['streamtype', [type]], ['port', ['8080']], ['requestid', ['0']]]));
      client.write(encodeFrame({ type: 'synStream', streamId: id, associatedTo: 0, priority: 0, slot: 0, flags, headerBlock }));
    };
    await header(1, 'error', FLAG_FIN);
    await header(3, 'data', 0);
    for (let off = 0; off < total; off += 32 * 1024) {
      const last = off + 32 * 1024 >= total;
      const ok = client.write(encodeFrame({ type: 'data', streamId: 3, flags: last ? FLAG_FIN : 0, data: payload.subarray(off, off + 32 * 1024) }));
      if (!ok) await new Promise((r) => client.once('drain', r));
    }
    await finished;
    assert.equal(receivedBytes, total);
    assert.equal(received.digest('hex'), sent, 'the echoed bytes are the ones sent');
    // Unbounded, either buffer would approach the 32 MiB in flight.
    assert.ok(peak.socket <= 2 * MiB, `the API server socket's unsent bytes peaked at ${peak.socket}`);
    assert.ok(peak.stream <= 2 * MiB, `the data stream's buffers peaked at ${peak.stream}`);
  } finally {
    clearInterval(sample);
    compressor.close();
    client.destroy();
    await new Promise((r) => api.close(r));
    serverSocket?.destroy();
    echo.close();
  }
});

// More than the kernel's socket buffers hold on loopback (tcp_rmem up to 32 MiB, tcp_wmem 4 MiB), so
// a relay that blocks writing one way while the other waits would hang.
test('the relay copies both ways at once: a pod that sends 96 MiB before it reads, while the client sends 96 MiB', { timeout: 120_000 }, async () => {
  const total = 96 * MiB;
  const make = (seed: number): Buffer => {
    const b = Buffer.alloc(total);
    for (let i = 0; i < total; i += 4) b.writeUInt32LE(((i + seed) * 2654435761) >>> 0, i);
    return b;
  };
  const fromPod = make(1);
  const fromClient = make(2);
  const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  // A blocking-style pod: it reads nothing until all it sent has left it (sendall, then recv).
  let podGot: Promise<string> = Promise.reject(new Error('no connection'));
  podGot.catch(() => undefined);
  const pod = createServer((s) => {
    s.pause();
    podGot = new Promise((resolve) => {
      const h = createHash('sha256');
      s.on('data', (d: Buffer) => h.update(d));
      s.on('end', () => {
        resolve(h.digest('hex'));
        s.end();
      });
    });
    s.write(fromPod, () => s.resume());
  });
  const port = await listen(pod);
  let off = 0;
  const got = createHash('sha256');
  let gotBytes = 0;
  const stream = new Duplex({
    read() {
      if (off >= total) return void this.push(null);
      this.push(fromClient.subarray(off, (off += 64 * 1024)));
    },
    write(chunk: Buffer, _enc, cb) {
      got.update(chunk);
      gotBytes += chunk.length;
      cb();
    },
  });
  try {
    await relayPortForward([], port, stream);
    assert.equal(gotBytes, total);
    assert.equal(got.digest('hex'), digest(fromPod), 'the pod\'s bytes reached the client');
    assert.equal(await podGot, digest(fromClient), 'the client\'s bytes reached the pod');
  } finally {
    pod.close();
  }
});
