/**
 * The cluster DNS server: UDP and TCP on one address, answers from the model (`ClusterDNS`) for the
 * current cluster view, forwarding of names outside the cluster zones to a real upstream when one is
 * configured. Encoded answers are cached per transport on the query bytes minus the ID (AnswerCache)
 * until the view changes, and a repeated query is answered from the raw bytes without decoding;
 * autopath answers depend on the client and are never cached.
 *
 * A second role, `upstream-only`, is the node's own resolver (what the node's /etc/resolv.conf names,
 * and so what dnsPolicy: Default pods and the coredns pods themselves ask): it knows only the world
 * outside the cluster — `dns.upstream`, or the real upstream when one is configured — and answers
 * every name from there, so a cluster name gets what a real upstream gives it, NXDOMAIN. This is the
 * model's resolver for nameservers other than the cluster DNS (model/dns lookupFromPod).
 *
 * Malformed input never throws out of a handler: it is answered FORMERR/NOTIMP or dropped.
 */
import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { createServer, isIP, isIPv6, type Server, type Socket as TCPSocket } from 'node:net';
import type { ClusterView } from '../../cluster/view.ts';
import { ClusterDNS, emptyResponse, UpstreamResolver, type DNSResponse, type Question } from '../../model/dns/index.ts';
import { AnswerCache } from './answer-cache.ts';
import { encodeHeaderError, encodeResponse, parseQuery, udpLimit, type ParsedQuery } from './wire.ts';

export interface Endpoint {
  host: string;
  port: number;
}

/** `cluster`: CoreDNS's role (the cluster zones, the rest forwarded); `upstream-only`: the node's resolver. */
export type DNSServerRole = 'cluster' | 'upstream-only';

export interface DNSServerOptions {
  listen: Endpoint;
  /** Default `cluster`. */
  role?: DNSServerRole;
  /** The cluster as it is now; called again after `refresh()`. */
  view: () => ClusterView;
  /** A real resolver for names outside the cluster zones; default: answer from `dns.upstream`. */
  upstream?: Endpoint;
  /** How long to wait for the real upstream before SERVFAIL. */
  upstreamTimeoutMs?: number;
  /** Log line sink (one line per problem, not per query). */
  log?: (line: string) => void;
}

const MAX_CACHE = 100_000;
const TCP_IDLE_MS = 10_000;

export class DNSServer {
  private udp?: Socket;
  private tcp?: Server;
  private forwarder?: Socket;
  private dns?: ClusterDNS;
  private outside!: UpstreamResolver;
  private readonly udpCache = new AnswerCache(MAX_CACHE);
  private readonly tcpCache = new AnswerCache(MAX_CACHE);
  private readonly pending = new Map<number, { reply: (b: Buffer) => void; id: number; timer: NodeJS.Timeout; query: ParsedQuery }>();
  private nextForwardID = 1;
  private readonly tcpClients = new Set<TCPSocket>();
  /** Counters for `podnet dns serve` and the benchmark. */
  readonly stats = { queries: 0, cacheHits: 0, formErrors: 0, dropped: 0, truncated: 0, forwarded: 0, reloads: 0 };

  constructor(private readonly options: DNSServerOptions) {
    this.refresh();
  }

  /** Rebuilds the zone from the current view (after `podnet apply` changed the store). */
  refresh(): void {
    const view = this.options.view();
    if (this.role === 'cluster') {
      this.dns = new ClusterDNS(view);
      this.outside = this.dns.upstream;
    } else {
      this.outside = UpstreamResolver.fromLines(view.config.dns.upstream);
    }
    this.udpCache.clear();
    this.tcpCache.clear();
    this.stats.reloads++;
  }

  get role(): DNSServerRole {
    return this.options.role ?? 'cluster';
  }

  /** The address actually bound (the port is chosen by the kernel when 0 was asked). */
  get address(): Endpoint {
    const a = this.udp?.address();
    return a ? { host: a.address, port: a.port } : this.options.listen;
  }

  async start(): Promise<void> {
    const { host, port } = this.options.listen;
    // With port 0 the kernel picks a free UDP port; TCP on the same number may be taken: try again.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bind(host, port);
        break;
      } catch (err) {
        await this.closeSockets();
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!(inUse && port === 0 && attempt < 20)) throw err;
      }
    }
    if (this.options.upstream) {
      const fwd = createSocket(isIPv6(this.options.upstream.host) ? 'udp6' : 'udp4');
      this.forwarder = fwd;
      fwd.on('message', (msg) => this.onUpstreamReply(msg));
      fwd.on('error', (err) => this.options.log?.(`upstream: ${err.message}`));
      await new Promise<void>((resolve) => fwd.bind(0, resolve));
    }
  }

  private async bind(host: string, port: number): Promise<void> {
    const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', lookup: literalLookup() });
    this.udp = udp;
    udp.on('message', (msg, rinfo) => this.onUDP(msg, rinfo));
    udp.on('error', (err) => this.options.log?.(`udp: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const tcp = createServer((sock) => this.onTCP(sock));
    this.tcp = tcp;
    tcp.on('error', (err) => this.options.log?.(`tcp: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(udp.address().port, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    for (const s of this.tcpClients) s.destroy();
    await this.closeSockets();
  }

  private async closeSockets(): Promise<void> {
    const tcpListening = this.tcp?.listening === true;
    const closing = (close: ((cb: () => void) => unknown) | undefined): Promise<void> =>
      new Promise<void>((resolve) => {
        if (!close) return resolve();
        try {
          close(() => resolve());
        } catch {
          resolve(); // never bound: nothing to close
        }
      });
    await Promise.all([
      closing(this.udp ? (cb) => this.udp?.close(cb) : undefined),
      closing(this.tcp && tcpListening ? (cb) => this.tcp?.close(cb) : undefined),
      closing(this.forwarder ? (cb) => this.forwarder?.close(cb) : undefined),
    ]);
    this.udp = this.tcp = this.forwarder = undefined;
  }

  /** Answers one wire message; `reply` gets the wire answer (not called for dropped input). */
  handle(msg: Buffer, client: { ip: string; transport: 'udp' | 'tcp' }, reply: (b: Buffer) => void): void {
    this.stats.queries++;
    const hit = (client.transport === 'udp' ? this.udpCache : this.tcpCache).get(msg);
    if (hit !== undefined) {
      this.stats.cacheHits++;
      reply(hit);
      return;
    }
    this.answer(msg, client, reply);
  }

  /** The full path for a message the cache did not have: decode, answer or forward, encode, store. */
  private answer(msg: Buffer, client: { ip: string; transport: 'udp' | 'tcp' }, reply: (b: Buffer) => void): void {
    let parsed;
    try {
      parsed = parseQuery(msg);
    } catch {
      parsed = { kind: 'drop' as const, reason: 'undecodable' };
    }
    if (parsed.kind === 'drop') {
      this.stats.dropped++;
      return;
    }
    if (parsed.kind === 'error') {
      this.stats.formErrors++;
      reply(encodeHeaderError(parsed.id, parsed.opcode, parsed.rd, parsed.rcode));
      return;
    }
    const q = parsed.query;
    const maxSize = client.transport === 'udp' ? udpLimit(q) : 65535;
    const question: Question = { name: q.name, type: q.type };
    if (q.qclass !== 1) {
      reply(encodeResponse(q, emptyResponse('REFUSED', 'kubernetes', false), { maxSize }));
      return;
    }
    if (q.edns && q.edns.version !== 0) {
      // BADVERS (16): extended rcode 1 in the OPT record, header rcode 0.
      const b = encodeResponse(q, emptyResponse('NOERROR', 'kubernetes', false), { maxSize });
      b[b.length - 6] = 1;
      reply(b);
      return;
    }
    const dns = this.dns;
    if (this.forwarder && this.options.upstream && !dns?.kubernetes.matchZone(q.name)) {
      this.forward(msg, q, reply);
      return;
    }
    let response: DNSResponse;
    let failed = false;
    try {
      response = dns ? dns.answer(question, { ip: client.ip }) : this.outside.answer(question);
    } catch (err) {
      this.options.log?.(`answer ${q.name} ${q.type}: ${err instanceof Error ? err.message : String(err)}`);
      response = emptyResponse('SERVFAIL', 'kubernetes', false);
      failed = true;
    }
    const out = encodeResponse(q, response, { maxSize });
    if (out.readUInt16BE(2) & 0x0200) this.stats.truncated++;
    // Everything the answer depends on is in the message bytes, except the client for autopath.
    if (!failed && !dns?.dependsOnClient(question)) (client.transport === 'udp' ? this.udpCache : this.tcpCache).set(msg, out);
    reply(out);
  }

  private onUDP(msg: Buffer, rinfo: RemoteInfo): void {
    this.stats.queries++;
    // The hot path: a repeated query is answered straight from the raw bytes (same as handle()).
    const hit = this.udpCache.get(msg);
    if (hit !== undefined) {
      this.stats.cacheHits++;
      this.udp?.send(hit, rinfo.port, rinfo.address);
      return;
    }
    this.answer(msg, { ip: rinfo.address, transport: 'udp' }, (b) => this.udp?.send(b, rinfo.port, rinfo.address));
  }

  private onTCP(sock: TCPSocket): void {
    this.tcpClients.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.tcpClients.delete(sock));
    let buffered = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      // RFC 7766: each message is prefixed by its 2-byte length; several may arrive in one segment.
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        this.handle(Buffer.from(msg), { ip: sock.remoteAddress ?? '', transport: 'tcp' }, (b) => {
          if (sock.destroyed) return;
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(b.length, 0);
          sock.write(Buffer.concat([prefix, b]));
        });
      }
    });
  }

  private forward(msg: Buffer, q: ParsedQuery, reply: (b: Buffer) => void): void {
    const upstream = this.options.upstream as Endpoint;
    let id = this.nextForwardID;
    while (this.pending.has(id)) id = (id % 0xffff) + 1;
    this.nextForwardID = (id % 0xffff) + 1;
    const out = Buffer.from(msg);
    out.writeUInt16BE(id, 0);
    const timer = setTimeout(() => {
      this.pending.delete(id);
      reply(encodeResponse(q, emptyResponse('SERVFAIL', 'upstream', false), { maxSize: 512 }));
    }, this.options.upstreamTimeoutMs ?? 2000);
    this.pending.set(id, { reply, id: q.id, timer, query: q });
    this.stats.forwarded++;
    this.forwarder?.send(out, upstream.port, upstream.host);
  }

  private onUpstreamReply(msg: Buffer): void {
    if (msg.length < 12) return;
    const p = this.pending.get(msg.readUInt16BE(0));
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(msg.readUInt16BE(0));
    const out = Buffer.from(msg);
    out.writeUInt16BE(p.id, 0);
    p.reply(out);
  }
}

/**
 * dgram resolves the destination of every send through `lookup` (dns.lookup by default, which defers
 * to the next tick even for an IP literal). Replies always go to the literal address a query came
 * from, so literals are passed through at once (the last one remembered, to skip even the isIP
 * regex for a client that asks again); names (`--listen localhost`) still go to dns.lookup.
 */
function literalLookup(): NonNullable<SocketOptions['lookup']> {
  let lastAddress = '';
  let lastFamily = 0;
  return (address, options, callback) => {
    if (address !== lastAddress) {
      const family = isIP(address);
      if (family === 0) {
        dnsLookup(address, options, callback);
        return;
      }
      lastAddress = address;
      lastFamily = family;
    }
    callback(null, address, lastFamily);
  };
}
