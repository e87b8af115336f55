/**
 * `describe` text in kubectl's layout: aligned `Key:  value` lines, nested sections indented by two.
 * Endpoints shown for a Service come from the EndpointSlices (what kubectl ≥1.33 reads).
 */
import { decodedLength } from '../../api/base64.ts';
import type { Ingress, KObject, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Node, Pod, Secret, Service } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { readyEndpoints } from '../../model/verify/index.ts';
import { formatLabelSelector } from './columns.ts';

type Line = [key: string, value: string] | string;

function render(lines: Line[]): string {
  const width = Math.max(0, ...lines.filter((l): l is [string, string] => Array.isArray(l)).map(([k]) => k.length + 1));
  return lines.map((l) => (Array.isArray(l) ? `${`${l[0]}:`.padEnd(Math.max(width + 2, 18))}${l[1]}` : l)).join('\n') + '\n';
}

const mapText = (m: Record<string, string> | undefined, indent: string): string => {
  const entries = Object.entries(m ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return '<none>';
  return entries.map(([k, v], i) => `${i ? indent : ''}${k}=${v}`).join('\n');
};

function meta(o: KObject): Line[] {
  const lines: Line[] = [['Name', o.metadata.name]];
  if (o.metadata.namespace) lines.push(['Namespace', o.metadata.namespace]);
  lines.push(['Labels', mapText(o.metadata.labels, ' '.repeat(18))]);
  lines.push(['Annotations', mapText(o.metadata.annotations, ' '.repeat(18))]);
  return lines;
}

function describePod(p: Pod, view: ClusterView): string {
  const node = p.spec.nodeName ? view.node(p.spec.nodeName) : undefined;
  const nodeIP = node ? view.nodeInternalIP(node) : undefined;
  const owner = p.metadata.ownerReferences?.find((r) => r.controller);
  const lines: Line[] = [...meta(p)];
  lines.splice(2, 0, ['Node', p.spec.nodeName ? `${p.spec.nodeName}${nodeIP ? `/${nodeIP}` : ''}` : '<none>']);
  lines.push(['Status', p.metadata.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Pending')]);
  lines.push(['IP', p.status?.podIP ?? '']);
  lines.push('IPs:');
  for (const ip of p.status?.podIPs ?? (p.status?.podIP ? [{ ip: p.status.podIP }] : [])) lines.push(`  IP:  ${ip.ip}`);
  if (owner) lines.push(['Controlled By', `${owner.kind}/${owner.name}`]);
  if (p.spec.hostNetwork) lines.push(['Host Network', 'true']);
  lines.push(['DNS Policy', p.spec.dnsPolicy ?? 'ClusterFirst']);
  lines.push('Containers:');
  for (const c of p.spec.containers) {
    lines.push(`  ${c.name}:`);
    lines.push(`    Image:  ${c.image ?? ''}`);
    const ports = (c.ports ?? []).map((cp) => `${cp.containerPort}/${cp.protocol ?? 'TCP'}${cp.name ? ` (${cp.name})` : ''}`);
    lines.push(`    Port${ports.length > 1 ? 's' : ''}:  ${ports.length ? ports.join(', ') : '<none>'}`);
  }
  lines.push('Conditions:');
  lines.push('  Type              Status');
  for (const c of p.status?.conditions ?? []) lines.push(`  ${c.type.padEnd(18)}${c.status}`);
  lines.push(['Node-Selectors', mapText(p.spec.nodeSelector, ' '.repeat(18))]);
  lines.push(['Events', '<none>']);
  return render(lines);
}

function describeService(s: Service, view: ClusterView): string {
  const lines: Line[] = [...meta(s)];
  lines.push(['Selector', s.spec.selector ? mapText(s.spec.selector, '').split('\n').join(',') : '<none>']);
  lines.push(['Type', s.spec.type ?? 'ClusterIP']);
  if (s.spec.type === 'ExternalName') lines.push(['External Name', s.spec.externalName ?? '']);
  else {
    lines.push(['IP Family Policy', s.spec.ipFamilyPolicy ?? 'SingleStack']);
    lines.push(['IP Families', (s.spec.ipFamilies ?? ['IPv4']).join(',')]);
    lines.push(['IP', s.spec.clusterIP ?? '']);
    lines.push(['IPs', (s.spec.clusterIPs ?? (s.spec.clusterIP ? [s.spec.clusterIP] : [])).join(',')]);
  }
  if (s.spec.externalIPs?.length) lines.push(['External IPs', s.spec.externalIPs.join(',')]);
  const lb = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
  if (lb.length) lines.push(['LoadBalancer Ingress', lb.join(', ')]);
  for (const p of s.spec.ports ?? []) {
    const name = p.name || '<unset>';
    lines.push(['Port', `${name}  ${p.port}/${p.protocol ?? 'TCP'}`]);
    lines.push(['TargetPort', `${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`]);
    if (p.nodePort) lines.push(['NodePort', `${name}  ${p.nodePort}/${p.protocol ?? 'TCP'}`]);
    const eps = readyEndpoints(view, s.metadata.namespace ?? 'default', s.metadata.name, p.name ?? '', p.protocol ?? 'TCP');
    lines.push(['Endpoints', eps.join(',')]);
  }
  lines.push(['Session Affinity', s.spec.sessionAffinity ?? 'None']);
  if (s.spec.externalTrafficPolicy) lines.push(['External Traffic Policy', s.spec.externalTrafficPolicy]);
  lines.push(['Internal Traffic Policy', s.spec.internalTrafficPolicy ?? 'Cluster']);
  if (s.spec.healthCheckNodePort) lines.push(['HealthCheck NodePort', String(s.spec.healthCheckNodePort)]);
  lines.push(['Events', '<none>']);
  return render(lines);
}

function describeNode(n: Node, view: ClusterView): string {
  const lines: Line[] = [...meta(n)];
  lines.push(['Taints', (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join('\n' + ' '.repeat(18)) || '<none>']);
  lines.push(['Unschedulable', String(!!n.spec?.unschedulable)]);
  lines.push('Addresses:');
  for (const a of n.status?.addresses ?? []) lines.push(`  ${a.type}:  ${a.address}`);
  lines.push(['PodCIDR', n.spec?.podCIDR ?? '']);
  lines.push(['PodCIDRs', (n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])).join(',')]);
  const pods = view.pods.filter((p) => p.spec.nodeName === n.metadata.name);
  lines.push(`Non-terminated Pods:          (${pods.length} in total)`);
  lines.push('  Namespace                   Name                     IP');
  for (const p of pods) lines.push(`  ${(p.metadata.namespace ?? '').padEnd(28)}${p.metadata.name.padEnd(25)}${p.status?.podIP ?? ''}`);
  lines.push(['Events', '<none>']);
  return render(lines);
}

function peerText(peer: NetworkPolicyPeer): string[] {
  if (peer.ipBlock) return [`IPBlock:`, `  CIDR: ${peer.ipBlock.cidr}`, `  Except: ${(peer.ipBlock.except ?? []).join(', ')}`];
  const out: string[] = [];
  if (peer.namespaceSelector) out.push(`NamespaceSelector: ${formatLabelSelector(peer.namespaceSelector)}`);
  if (peer.podSelector) out.push(`PodSelector: ${formatLabelSelector(peer.podSelector)}`);
  return out;
}

function portText(p: NetworkPolicyPort): string {
  const port = p.port === undefined ? '<any> (traffic allowed to all ports)' : `${p.port}${p.endPort ? `-${p.endPort}` : ''}`;
  return `${port}/${p.protocol ?? 'TCP'}`;
}

function describeNetworkPolicy(np: NetworkPolicy): string {
  const lines: Line[] = [...meta(np)];
  lines.push('Spec:');
  lines.push(`  PodSelector:     ${formatLabelSelector(np.spec.podSelector)}${np.spec.podSelector && !Object.keys(np.spec.podSelector).length ? ' (Allowing the specific traffic to all pods in this namespace)' : ''}`);
  const types = np.spec.policyTypes ?? ['Ingress'];
  const section = (dir: 'ingress' | 'egress', title: string, peerWord: 'From' | 'To'): void => {
    const enabled = types.includes(dir === 'ingress' ? 'Ingress' : 'Egress');
    if (!enabled) {
      lines.push(`  Not affecting ${dir} traffic`);
      return;
    }
    const rules = (dir === 'ingress' ? np.spec.ingress : np.spec.egress) ?? [];
    lines.push(`  Allowing ${dir} traffic:`);
    if (!rules.length) {
      lines.push(`    <none> (Selected pods are isolated for ${dir} connectivity)`);
      return;
    }
    rules.forEach((rule, i) => {
      if (i) lines.push('    ----------');
      const ports = rule.ports ?? [];
      lines.push(`    ${title} Port: ${ports.length ? ports.map(portText).join(', ') : '<any> (traffic allowed to all ports)'}`);
      const peers = (dir === 'ingress' ? (rule as { from?: NetworkPolicyPeer[] }).from : (rule as { to?: NetworkPolicyPeer[] }).to) ?? [];
      if (!peers.length) lines.push(`    ${peerWord}: <any> (traffic not restricted by ${dir === 'ingress' ? 'source' : 'destination'})`);
      else {
        lines.push(`    ${peerWord}:`);
        for (const peer of peers) for (const t of peerText(peer)) lines.push(`      ${t}`);
      }
    });
  };
  section('ingress', 'To', 'From');
  section('egress', 'To', 'To');
  lines.push(`  Policy Types: ${types.join(', ')}`);
  return render(lines);
}

function describeIngress(ing: Ingress, view: ClusterView): string {
  const lines: Line[] = [...meta(ing)];
  lines.push(['Ingress Class', ing.spec.ingressClassName ?? '<none>']);
  const backendText = (b: { service?: { name: string; port: { name?: string; number?: number } } } | undefined): string => {
    if (!b?.service) return '<default>';
    const port = b.service.port.name ?? String(b.service.port.number);
    const svc = view.service(ing.metadata.namespace ?? 'default', b.service.name);
    const sp = svc?.spec.ports?.find((p) => (b.service!.port.name ? p.name === b.service!.port.name : p.port === b.service!.port.number));
    const eps = svc && sp ? readyEndpoints(view, ing.metadata.namespace ?? 'default', svc.metadata.name, sp.name ?? '', sp.protocol ?? 'TCP') : [];
    return `${b.service.name}:${port} (${eps.length ? eps.join(',') : '<error: endpoints not found>'})`;
  };
  lines.push(['Default backend', ing.spec.defaultBackend ? backendText(ing.spec.defaultBackend) : '<default>']);
  lines.push('Rules:');
  lines.push('  Host        Path  Backends');
  lines.push('  ----        ----  --------');
  for (const r of ing.spec.rules ?? []) {
    lines.push(`  ${r.host ?? '*'}`);
    for (const p of r.http?.paths ?? []) lines.push(`              ${p.path ?? '/'}   ${backendText(p.backend)}`);
  }
  lines.push(['Events', '<none>']);
  return render(lines);
}

/**
 * kubectl's describeSecret: metadata, the type, then each data key with its size in bytes — never a
 * value (kubectl prints a service-account token; podnet does not print that either). Keys sorted.
 */
function describeSecret(s: Secret): string {
  const keys = Object.keys(s.data ?? {}).sort();
  const width = Math.max(0, ...keys.map((k) => k.length + 1)) + 2;
  const data = keys.map((k) => `${`${k}:`.padEnd(width)}${decodedLength(s.data![k]) ?? 0} bytes`);
  return `${render(meta(s))}\nType:  ${s.type ?? ''}\n\nData\n====\n${data.map((l) => `${l}\n`).join('')}`;
}

/** Any other kind: metadata, then its spec/status as indented YAML-like keys. */
function describeGeneric(o: KObject): string {
  const lines: Line[] = [...meta(o)];
  const dump = (value: unknown, indent: string): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== null && typeof v === 'object') {
        lines.push(`${indent}${k}:`);
        if (Array.isArray(v)) v.forEach((item, i) => (item !== null && typeof item === 'object' ? (lines.push(`${indent}  [${i}]`), dump(item, `${indent}    `)) : lines.push(`${indent}  - ${String(item)}`)));
        else dump(v, `${indent}  `);
      } else lines.push(`${indent}${k}:  ${String(v)}`);
    }
  };
  for (const section of ['spec', 'data', 'subsets', 'endpoints', 'ports', 'status'] as const) {
    if (o[section] === undefined) continue;
    lines.push(`${section[0].toUpperCase()}${section.slice(1)}:`);
    dump(o[section], '  ');
  }
  lines.push(['Events', '<none>']);
  return render(lines);
}

export function describeObject(o: KObject, view: ClusterView): string {
  switch (o.kind) {
    case 'Pod':
      return describePod(o as Pod, view);
    case 'Service':
      return describeService(o as Service, view);
    case 'Node':
      return describeNode(o as Node, view);
    case 'NetworkPolicy':
      return describeNetworkPolicy(o as NetworkPolicy);
    case 'Ingress':
      return describeIngress(o as Ingress, view);
    case 'Secret':
      return describeSecret(o as Secret);
    default:
      return describeGeneric(o);
  }
}
