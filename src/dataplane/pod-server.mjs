#!/usr/bin/env node
/* global process, setTimeout, clearTimeout, Buffer */
// podnet's per-pod test server, run inside the pod's network namespace. It answers on the pod's
// declared containerPorts with the pod's name, as agnhost's `serve-hostname` does: TCP (an HTTP
// response when the client speaks HTTP first, else the name and close) and UDP (a datagram back).
// Plain JavaScript on purpose: it starts once per pod, and skipping the TypeScript loader halves
// its start time and memory.
//
// Usage: pod-server.mjs --name NAME [--netns NS] [--tcp 80,8080] [--udp 53]
// Prints "ready" on stdout once every port is bound, then never writes stdout again. stderr (the
// pod's log file, what `kubectl logs` shows) gets a line at start and one per connection or
// datagram, as an access log: time, protocol/port, peer, and the request line of an HTTP request.
import net from 'node:net';
import dgram from 'node:dgram';

const argv = process.argv.slice(2);
const opt = (flag) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const ports = (flag) => (opt(flag) ?? '').split(',').filter((p) => p !== '').map(Number);
const name = opt('--name') ?? 'unknown';
const reply = `${name}\n`;
const HTTP_RE = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH) /;

const log = (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
const peer = (address, port) => (address?.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

function serveTCP(port) {
  return new Promise((resolve, reject) => {
    // allowHalfOpen: a client that sends nothing and shuts down its side (nc -N) still gets the name.
    const server = net.createServer({ allowHalfOpen: true }, (sock) => {
      sock.on('error', () => undefined);
      const from = peer(sock.remoteAddress, sock.remotePort);
      let answered = false;
      const answer = (text, requestLine) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        log(`tcp/${port} ${from}${requestLine ? ` "${requestLine}"` : ''}`);
        sock.end(text);
      };
      const timer = setTimeout(() => answer(reply), 150);
      sock.once('data', (data) => {
        if (!HTTP_RE.test(data.toString('latin1', 0, 8))) return answer(reply);
        const requestLine = data.toString('latin1', 0, 512).split('\r\n')[0];
        answer(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reply)}\r\nConnection: close\r\n\r\n${reply}`, requestLine);
      });
      sock.once('end', () => answer(reply));
    });
    server.once('error', reject);
    server.listen({ port, host: '0.0.0.0' }, resolve);
  });
}

function serveUDP(port) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (_msg, rinfo) => {
      log(`udp/${port} ${peer(rinfo.address, rinfo.port)}`);
      sock.send(reply, rinfo.port, rinfo.address);
    });
    sock.once('error', reject);
    sock.bind(port, '0.0.0.0', resolve);
  });
}

try {
  await Promise.all([...ports('--tcp').map(serveTCP), ...ports('--udp').map(serveUDP)]);
  log(`${name} serving${opt('--tcp') ? ` tcp ${opt('--tcp')}` : ''}${opt('--udp') ? ` udp ${opt('--udp')}` : ''}`);
  process.stdout.write('ready\n');
} catch (e) {
  process.stderr.write(`pod-server ${name}: ${e.message}\n`);
  process.exit(1);
}
process.on('SIGTERM', () => process.exit(0));
