#!/usr/bin/env node
/* global process, setTimeout, clearTimeout, setInterval, clearInterval, Buffer */
// podnet's prober, run inside a source pod's (or node's) network namespace: real TCP and UDP
// connection attempts to a list of targets, a bounded number in flight, each bounded in time.
// Plain JavaScript: one start per source namespace, no TypeScript loader.
//
// stdin:  {"targets":[{"id":0,"ip":"10.244.1.3","port":80,"protocol":"TCP"}],"timeoutMs":1000,"concurrency":16}
// stdout: one JSON array [{"id":0,"result":"connected","reply":"web-b","ms":3}, …]
//
// result: connected   TCP handshake completed / UDP datagram answered (reply: what the server said)
//         refused     TCP RST or ICMP port unreachable: the packet reached the host, nothing listens
//         unreachable ICMP host/net unreachable or admin-prohibited (a policy reject), EHOSTUNREACH
//         timeout     no answer in time (dropped)
//         error       anything else (error: the code)
import net from 'node:net';
import dgram from 'node:dgram';

// A DNS query for the root (type A): our pod servers answer any datagram with their name, and a
// DNS server answers this too, so a UDP port served by either proves the path.
const UDP_PAYLOAD = Buffer.from([0x70, 0x6e, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
// Not HTTP: the pod server answers its name at once instead of waiting for a request.
const TCP_PAYLOAD = 'probe\n';
// After the handshake, how long to wait for the server's words (a DNS server over TCP says nothing).
const REPLY_WAIT_MS = 400;

const classify = (code) => {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EACCES' || code === 'EPERM') return 'unreachable';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'error';
};

const firstLine = (buf) => buf.toString('utf8').split(/\r?\n/).find((l) => l.trim() && !/^HTTP\//.test(l))?.trim() ?? '';

function probeTCP(t, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let done = false;
    let connected = false;
    const chunks = [];
    const sock = net.connect({ host: t.ip, port: t.port });
    const finish = (result, extra = {}) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ id: t.id, result, ms: Date.now() - t0, ...extra });
    };
    const timer = setTimeout(() => {
      if (connected) finish('connected', { reply: firstLine(Buffer.concat(chunks)) });
      else finish('timeout');
    }, timeoutMs);
    sock.on('connect', () => {
      connected = true;
      sock.write(TCP_PAYLOAD);
      setTimeout(() => finish('connected', { reply: firstLine(Buffer.concat(chunks)) }), REPLY_WAIT_MS);
    });
    sock.on('data', (b) => {
      chunks.push(b);
      if (b.includes(10)) finish('connected', { reply: firstLine(Buffer.concat(chunks)) });
    });
    sock.on('end', () => finish('connected', { reply: firstLine(Buffer.concat(chunks)) }));
    sock.on('error', (e) => (connected ? finish('connected', { reply: firstLine(Buffer.concat(chunks)) }) : finish(classify(e.code), { error: e.code })));
  });
}

function probeUDP(t, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let done = false;
    const sock = dgram.createSocket('udp4');
    let resend;
    const finish = (result, extra = {}) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(resend);
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve({ id: t.id, result, ms: Date.now() - t0, ...extra });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    // A connected UDP socket receives ICMP errors (port unreachable, admin-prohibited) as socket errors.
    sock.on('error', (e) => finish(classify(e.code), { error: e.code }));
    sock.on('message', (msg) => finish('connected', { reply: msg[0] === 0x70 && msg[1] === 0x6e ? 'dns' : firstLine(msg) }));
    sock.connect(t.port, t.ip, () => {
      const send = () => sock.send(UDP_PAYLOAD, (e) => e && finish(classify(e.code), { error: e.code }));
      send();
      // Datagrams can be lost; three tries within the bound.
      resend = setInterval(send, Math.max(100, Math.floor(timeoutMs / 3)));
    });
  });
}

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const timeoutMs = job.timeoutMs ?? 1000;
  const targets = job.targets ?? [];
  const results = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const t = targets[i];
      results[i] = t.protocol === 'UDP' ? await probeUDP(t, timeoutMs) : await probeTCP(t, timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(job.concurrency ?? 16, targets.length)) }, worker));
  // Exit at once: timers of finished attempts (reply waits) must not hold the process.
  process.stdout.write(`${JSON.stringify(results)}\n`, () => process.exit(0));
}

await main();
