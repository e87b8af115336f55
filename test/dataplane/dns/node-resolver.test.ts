/**
 * The DNS server in its `upstream-only` role: the resolver a node's /etc/resolv.conf names, which
 * kubelet hands to dnsPolicy: Default pods ("the Pod inherits the name resolution configuration from
 * the node that the Pods run on" — Kubernetes DNS for Services and Pods). It is the node's upstream,
 * not the cluster DNS: external names are resolved recursively (RA set, not authoritative, CNAME
 * chains followed), while cluster names do not exist there — cluster.local is no public zone (.local
 * is special-use, RFC 6762) and the 10/8 reverse zone is locally served empty (RFC 6303) — so both
 * are NXDOMAIN even when the cluster has the Service.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterView } from '../../../src/cluster/view.ts';
import { DNSServer } from '../../../src/dataplane/dns/index.ts';
import { fixtureConfig, fixtureObjects, fixtureView } from '../../model/dns/fixture.ts';
import { decodeReply, encodeQuery, tcpExchange, udpExchange } from './client.ts';

const LOOPBACK = { host: '127.0.0.1', port: 0 };

async function withResolver<T>(view: () => ClusterView, fn: (server: DNSServer) => Promise<T>, upstream?: { host: string; port: number }): Promise<T> {
  const server = new DNSServer({ listen: LOOPBACK, role: 'upstream-only', view, ...(upstream ? { upstream, upstreamTimeoutMs: 1000 } : {}) });
  await server.start();
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

describe('DNS server, upstream-only role (the nodes\' resolver)', () => {
  it('external names from dns.upstream: answered recursively (RA, not AA), over UDP and TCP', async () => {
    await withResolver(() => fixtureView(), async (server) => {
      const udp = decodeReply(await udpExchange(server.address.port, encodeQuery('example.com', 'A')));
      assert.equal(udp.rcode, 'NOERROR');
      assert.deepEqual(udp.answer.map((a) => a.data), ['93.184.216.34']);
      assert.equal(udp.recursionAvailable, true);
      assert.equal(udp.authoritative, false);
      const [tcp] = await tcpExchange(server.address.port, [encodeQuery('api.example.com', 'A')]);
      assert.deepEqual(decodeReply(tcp).answer.map((a) => a.data), ['93.184.216.36']);
    });
  });

  it('a CNAME is followed to its target, as a recursor answers', async () => {
    await withResolver(() => fixtureView(), async (server) => {
      const r = decodeReply(await udpExchange(server.address.port, encodeQuery('www.example.com', 'A')));
      assert.deepEqual(r.answer.map((a) => `${a.type} ${String(a.data)}`), ['CNAME example.com.', 'A 93.184.216.34']);
    });
  });

  it('cluster names are NXDOMAIN although the cluster serves them: Service A, kube-dns, SRV, dns-version, reverse of a ClusterIP', async () => {
    await withResolver(() => fixtureView(), async (server) => {
      for (const [name, type] of [
        ['svc1.testns.svc.cluster.local', 'A'],
        ['kube-dns.kube-system.svc.cluster.local', 'A'],
        ['_http._tcp.svc1.testns.svc.cluster.local', 'SRV'],
        ['dns-version.cluster.local', 'TXT'],
        ['101.0.96.10.in-addr.arpa', 'PTR'],
      ]) {
        const r = decodeReply(await udpExchange(server.address.port, encodeQuery(name, type)));
        assert.equal(r.rcode, 'NXDOMAIN', `${name} ${type}`);
        assert.deepEqual(r.answer, [], `${name} ${type}`);
      }
    });
    // The same names from the cluster DNS role: the difference is the role, not the fixture.
    const cluster = new DNSServer({ listen: LOOPBACK, view: () => fixtureView() });
    await cluster.start();
    try {
      const r = decodeReply(await udpExchange(cluster.address.port, encodeQuery('svc1.testns.svc.cluster.local', 'A')));
      assert.deepEqual(r.answer.map((a) => a.data), ['10.96.0.101']);
    } finally {
      await cluster.close();
    }
  });

  it('refresh() picks up changed dns.upstream records', async () => {
    let upstream = ['late.example. A 198.51.100.9'];
    const view = (): ClusterView => new ClusterView(fixtureObjects(), { ...fixtureConfig(), dns: { ...fixtureConfig().dns, upstream } });
    await withResolver(view, async (server) => {
      const q = encodeQuery('later.example', 'A');
      assert.equal(decodeReply(await udpExchange(server.address.port, q)).rcode, 'NXDOMAIN');
      upstream = [...upstream, 'later.example. A 198.51.100.10'];
      server.refresh();
      assert.deepEqual(decodeReply(await udpExchange(server.address.port, q)).answer.map((a) => a.data), ['198.51.100.10']);
    });
  });

  it('with a real upstream configured every name goes there, cluster names included', async () => {
    // The real upstream: a resolver that knows one record (and nothing of the cluster).
    const realView = (): ClusterView => new ClusterView([], { ...fixtureConfig(), dns: { ...fixtureConfig().dns, upstream: ['only-real.example. A 198.51.100.7'] } });
    await withResolver(realView, async (real) => {
      await withResolver(() => fixtureView(), async (server) => {
        assert.deepEqual(decodeReply(await udpExchange(server.address.port, encodeQuery('only-real.example', 'A'))).answer.map((a) => a.data), ['198.51.100.7']);
        assert.equal(decodeReply(await udpExchange(server.address.port, encodeQuery('svc1.testns.svc.cluster.local', 'A'))).rcode, 'NXDOMAIN');
        assert.equal(server.stats.forwarded, 2);
      }, real.address);
    });
  });
});
