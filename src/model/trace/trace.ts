/**
 * trace(): the end-to-end path of one flow, composed of the models — DNS (resolv.conf and the search
 * walk), L7 routing (URL targets), kube-proxy's decision for Service addresses, NetworkPolicy at both
 * ends, the CNI's L3 path with MTU, and the destination's container port. The first hop that fails
 * decides the verdict; nothing here re-derives what those models answer.
 */
import { isIP, parseCIDR } from '../../api/cidr.ts';
import type { Pod, Protocol } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { cniPath, cniProfile, type CNIProfile } from '../cni/index.ts';
import { ClusterDNS } from '../dns/index.ts';
import { compileRouteTable, type RouteTable } from '../l7/index.ts';
import { PolicyIndex, type FlowEndpoint } from '../policy/index.ts';
import { buildProxyPlan, decide } from '../service/index.ts';
import { dnsLeg } from './dns-leg.ts';
import { endpointForIP, nodeTraceEndpoint, podTraceEndpoint, resolvePodRef, resolveSource, type TraceEndpoint } from './endpoints.ts';
import { l7Leg } from './l7-leg.ts';
import { egressHop, ingressHop, policyAllows, type PolicyLegInput } from './policy-leg.ts';
import { defaultServicePort, findServiceAddress, serviceLeg } from './service-leg.ts';
import { TraceInputError, type TraceHop, type TraceQuery, type TraceResult, type TraceVerdict } from './types.ts';

/** Models a caller already built for this view (the CLI and tests reuse them across traces). */
export interface TraceModels {
  policy?: PolicyIndex;
  dns?: ClusterDNS;
  routes?: RouteTable;
}

type Target =
  | { kind: 'url'; url: string }
  | { kind: 'ip'; ip: string }
  | { kind: 'ref'; ref: string }
  | { kind: 'name'; name: string };

export function parseTarget(text: string): Target {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return { kind: 'url', url: text };
  if (isIP(text)) return { kind: 'ip', ip: text };
  if (text.includes('/')) return { kind: 'ref', ref: text };
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(text)) throw new TraceInputError(`--to ${JSON.stringify(text)}: expected ns/pod, node/NAME, an IP address, a DNS name or an http(s) URL`);
  return { kind: 'name', name: text };
}

function declaredPorts(pod: Pod): { name?: string; port: number; protocol: Protocol; container: string }[] {
  return pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.containerPort, protocol: p.protocol ?? 'TCP', container: c.name })));
}

function sourceHop(src: TraceEndpoint): TraceHop {
  if (src.pod) {
    const node = src.pod.spec.nodeName ?? '(unscheduled)';
    return { step: 'source', where: src.label, ok: true, detail: `${src.ip} on node ${node}${src.pod.spec.hostNetwork ? ' (hostNetwork: the node\'s network namespace)' : ''}` };
  }
  if (src.node) return { step: 'source', where: src.label, ok: true, detail: `${src.ip}, the node's network namespace` };
  return { step: 'source', where: src.label, ok: true, detail: `${src.ip}, outside the cluster` };
}

function routeFix(profile: CNIProfile, reason: string): string | undefined {
  if (reason.includes('bridge plugin')) return 'the bridge CNI connects pods on one node only: use flannel, calico or cilium, or schedule both pods on the same node';
  if (reason.includes('not routed outside the cluster')) return 'expose the pod through a NodePort or LoadBalancer Service, or an Ingress';
  if (reason.includes('not scheduled')) return 'the pod is not on a node yet: check why it is Pending (podnet describe pod)';
  return profile.crossNode === 'routed' ? `check the routes ${profile.routeSource} programs` : undefined;
}

function portHop(dst: TraceEndpoint, port: number, protocol: Protocol): TraceHop {
  const pod = dst.pod;
  if (!pod) {
    return dst.node
      ? { step: 'port', where: dst.label, ok: true, detail: `a process on node ${dst.node.metadata.name} must listen on ${port}/${protocol}` }
      : { step: 'port', where: dst.label, ok: true, detail: `outside the cluster: whatever listens on ${dst.ip}:${port}/${protocol} answers` };
  }
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    const reason = `pod ${pod.metadata.namespace}/${pod.metadata.name} is ${phase}: no container runs, the connection is refused`;
    return { step: 'port', where: dst.label, ok: false, detail: reason, reason, fix: 'start the workload again (its controller replaces finished pods; bare pods must be recreated)' };
  }
  const declared = declaredPorts(pod).find((p) => p.port === port && p.protocol === protocol);
  if (declared) {
    return { step: 'port', where: dst.label, ok: true, detail: `container ${declared.container} declares ${declared.name ? `${declared.name} ` : ''}${port}/${protocol}` };
  }
  const all = declaredPorts(pod).map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol}`).join(', ') || 'none';
  return {
    step: 'port', where: dst.label, ok: true,
    detail: `no container declares ${port}/${protocol} (declared: ${all})`,
    warning: `the connection works only if a process listens on ${port}/${protocol}: declaring ports is informational, but named targetPorts and named policy ports can only find declared ones`,
  };
}

export function trace(view: ClusterView, q: TraceQuery, models: TraceModels = {}): TraceResult {
  const protocol: Protocol = q.protocol ?? 'TCP';
  const profile = cniProfile(view.config);
  const index = models.policy ?? new PolicyIndex(view);
  const src = resolveSource(view, q.from);
  const target = parseTarget(q.to);
  const hops: TraceHop[] = [sourceHop(src)];
  const notes: string[] = [];
  let connectPort = q.port;

  const finish = (verdict: TraceVerdict): TraceResult => {
    const failedHop = hops.findIndex((h) => !h.ok);
    const failed = failedHop >= 0 ? hops[failedHop] : undefined;
    return {
      from: q.from, to: q.to, port: connectPort ?? 0, protocol,
      verdict: failed ? verdict : 'delivered',
      hops,
      ...(failed ? { failedHop, reason: failed.reason ?? failed.detail, ...(failed.fix ? { fix: failed.fix } : {}) } : {}),
      notes,
    };
  };

  // 1. From the target text to an address (and, for URLs, a proxy that opens the last leg).
  let client = src;
  let ip: string;
  let named: TraceEndpoint | undefined;
  let proxied: { ip: string; port: number; target: string }[] | undefined;
  let port = q.port;
  switch (target.kind) {
    case 'url': {
      const leg = l7Leg(view, models.routes ?? compileRouteTable(view), src, target.url);
      hops.push(...leg.hops);
      connectPort = leg.port;
      if (leg.failed) return finish('not-routed');
      if (leg.answered || !leg.endpoints?.length || !leg.proxy) return finish('delivered');
      client = leg.proxy;
      proxied = leg.endpoints;
      ip = leg.endpoints[0].ip;
      port = leg.endpoints[0].port;
      break;
    }
    case 'name': {
      const leg = dnsLeg({ view, profile, index, dns: models.dns ?? new ClusterDNS(view), libc: q.libc ?? 'glibc' }, src, target.name);
      hops.push(...leg.hops);
      if (leg.failed || !leg.ip) return finish('unresolved');
      ip = leg.ip;
      break;
    }
    case 'ref': {
      const parts = target.ref.split('/');
      if (parts[0] === 'node' && parts.length === 2) {
        const node = view.node(parts[1]);
        if (!node) throw new TraceInputError(`node ${JSON.stringify(parts[1])} not found`);
        named = nodeTraceEndpoint(view, node);
        if (!named) throw new TraceInputError(`node ${parts[1]} has no InternalIP`);
      } else {
        const pod = resolvePodRef(view, target.ref);
        if (!pod) throw new TraceInputError(`pod ${target.ref} not found`);
        named = podTraceEndpoint(view, pod);
        if (!named) {
          const reason = `pod ${pod.metadata.namespace}/${pod.metadata.name} has no IP (phase ${pod.status?.phase ?? 'Pending'}): nothing can reach it`;
          hops.push({ step: 'route', where: `pod ${pod.metadata.namespace}/${pod.metadata.name}`, ok: false, detail: reason, reason, fix: 'check why the pod is not running (podnet describe pod)' });
          connectPort ??= 0;
          return finish('unreachable');
        }
      }
      ip = named.ip;
      break;
    }
    case 'ip':
      ip = target.ip;
  }

  // 2. The port the client uses, when not given: the Service's or the pod's only one.
  let addr = proxied ? undefined : findServiceAddress(view, ip, port, protocol);
  if (port === undefined) {
    const pod = (named ?? endpointForIP(view, ip)).pod;
    const podPorts = pod ? declaredPorts(pod).filter((p) => p.protocol === protocol) : [];
    port = addr ? defaultServicePort(addr) : podPorts.length === 1 ? podPorts[0].port : undefined;
    if (port === undefined) {
      const what = addr ? `Service ${addr.service.metadata.namespace}/${addr.service.metadata.name} has ports ${(addr.service.spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ') || 'none'}` : pod ? `pod ${pod.metadata.namespace}/${pod.metadata.name} declares ${podPorts.length ? podPorts.map((p) => p.port).join(', ') : 'no ports'}` : `${ip} is not a Service or pod with one port`;
      throw new TraceInputError(`--port is required: ${what}`);
    }
    addr ??= proxied ? undefined : findServiceAddress(view, ip, port, protocol);
  }
  connectPort ??= port;

  // 3. Service addresses: kube-proxy picks the backends; policy and the path follow one of them.
  let dst: TraceEndpoint = named ?? endpointForIP(view, ip);
  let dstPort = port;
  let seen: FlowEndpoint = client.policy;
  let pathFrom: TraceEndpoint = client;
  /** Policy decides per backend; the hops follow the first one that denies, else the first. */
  const follow = (backends: { ip: string; port: number; target: string; seenSrc: FlowEndpoint }[], who: string): void => {
    const candidates = backends.map((b) => {
      const ep = endpointForIP(view, b.ip);
      const input: PolicyLegInput = { index, src: client.policy, seenSrc: b.seenSrc, dst: ep.policy, port: b.port, protocol, srcLabel: client.label, dstLabel: ep.label };
      return { b, ep, allowed: policyAllows(input) };
    });
    const denied = candidates.filter((c) => !c.allowed);
    if (denied.length && denied.length < candidates.length) notes.push(`${denied.length} of ${candidates.length} backends deny the flow by NetworkPolicy: connections that land there fail (traced: the first denying backend)`);
    const chosen = denied[0] ?? candidates[0];
    if (candidates.length > 1) notes.push(`${who} picks one of ${candidates.length} backends per connection; the hops below follow ${chosen.b.target}`);
    dst = chosen.ep;
    dstPort = chosen.b.port;
    seen = chosen.b.seenSrc;
  };
  if (proxied) {
    follow(proxied.map((e) => ({ ...e, seenSrc: client.policy })), 'the proxy');
  } else if (addr) {
    const leg = serviceLeg(view, profile, client, addr, ip, port, protocol);
    hops.push(...leg.hops);
    if (leg.failure) return finish(leg.failure.verdict);
    const handling = leg.node;
    const masqueraded: FlowEndpoint | undefined = handling ? { kind: 'node', name: handling.metadata.name, node: handling, ip: view.nodeInternalIP(handling) } : undefined;
    follow(leg.backends.map((b) => ({ ip: b.ip, port: b.port, target: b.target, seenSrc: b.masquerade && masqueraded ? masqueraded : client.policy })), 'kube-proxy');
    // A client outside the cluster reaches the handling node over the underlay; the node forwards.
    if (!client.node && handling) {
      const nodeEp = nodeTraceEndpoint(view, handling);
      if (nodeEp) {
        hops.push({ step: 'route', where: 'underlay', ok: true, detail: `${client.ip} → ${nodeEp.ip} (node ${handling.metadata.name}), DNATed there` });
        pathFrom = nodeEp;
      }
    }
  } else {
    if (dst.net.kind === 'external' && parseCIDR(view.config.serviceCIDR)?.contains(ip)) {
      // An unallocated service address: nothing DNATs it; nftables drops it, iptables routes it away.
      const node = client.node ?? view.nodes[0];
      const plan = node ? buildProxyPlan(view, node.metadata.name, { services: [] }) : undefined;
      const d = plan ? decide(plan, { src: client.ip, dst: ip, protocol, port }) : undefined;
      const reason = `no Service has the ClusterIP ${ip}${d ? `: ${d.reason}` : ''}`;
      hops.push({ step: 'kube-proxy', where: node ? `node ${node.metadata.name} (kube-proxy ${view.config.proxyMode})` : 'cluster', ok: false, detail: reason, reason, fix: 'look the Service up by name (podnet get svc -A): ClusterIPs change when a Service is recreated' });
      return finish('dropped');
    }
  }

  // 4. Egress policy at the source, the L3 path, ingress policy at the destination, the port.
  const policyInput: PolicyLegInput = { index, src: client.policy, seenSrc: seen, dst: dst.policy, port: dstPort, protocol, srcLabel: client.label, dstLabel: dst.label };
  const egress = egressHop(policyInput);
  hops.push(egress);
  if (!egress.ok) return finish('denied');

  const path = cniPath(view, profile, pathFrom.net, dst.net, q.size);
  for (const h of path.hops) {
    hops.push({ step: 'route', where: `${h.where}${h.device ? ` ${h.device}` : ''}`, ok: true, detail: `${h.detail}${h.mtu ? ` [mtu ${h.mtu}]` : ''}` });
  }
  if (!path.reachable) {
    const reason = path.reason ?? 'no route';
    const fix = routeFix(profile, reason);
    hops.push({ step: 'route', where: profile.mode, ok: false, detail: reason, reason, ...(fix ? { fix } : {}) });
    return finish('unreachable');
  }
  if (path.snat) notes.push(`source NAT ${path.snat.from} → ${path.snat.to} at ${path.snat.where}`);
  if (q.size !== undefined) {
    if (path.mtuProblem) {
      const fix = path.encapsulated && q.size <= profile.podMTU
        ? `set cniOptions.podMTU to ${profile.crossNodeMTU} (underlay ${profile.underlayMTU} minus the ${profile.encapsulation?.kind.toUpperCase()} overhead) so TCP's MSS fits the tunnel`
        : `send packets of at most ${path.pathMTU} bytes (TCP does so by itself through its MSS)`;
      hops.push({ step: 'mtu', where: `path (${profile.mode})`, ok: false, detail: path.mtuProblem, reason: path.mtuProblem, fix });
      return finish('too-big');
    }
    hops.push({ step: 'mtu', where: `path (${profile.mode})`, ok: true, detail: `a ${q.size}-byte packet fits the path MTU ${path.pathMTU}${path.encapsulated ? ' (encapsulated)' : ''}` });
  }

  const ingress = ingressHop(policyInput);
  hops.push(ingress);
  if (!ingress.ok) return finish('denied');

  const ph = portHop(dst, dstPort, protocol);
  hops.push(ph);
  if (!ph.ok) return finish('rejected');
  return finish('delivered');
}
