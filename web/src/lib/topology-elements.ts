/**
 * The topology graph as plain element definitions (cytoscape's JSON form): nodes are islands holding
 * namespace groups holding pods; Services (grouped by namespace) point at their endpoints; Ingress and
 * HTTPRoute objects point at their Services. Filters and an instant first layout are computed here.
 */
import type { Topology } from '../../../src/server/ui-api/api-types.ts';

export interface ElementDef {
  group: 'nodes' | 'edges';
  data: {
    id: string;
    label: string;
    kind: 'island' | 'nsgroup' | 'pod' | 'svcgroup' | 'service' | 'route' | 'edge';
    parent?: string;
    source?: string;
    target?: string;
    /** The object this element stands for: `pod:ns/name`, `service:ns/name`, `node:NAME`, … */
    ref?: string;
  };
  classes?: string;
  position?: { x: number; y: number };
}

export interface TopologyFilter {
  namespaces: readonly string[];
  /** Pods the label selector matched (server-side); undefined = no selector. */
  selected?: ReadonlySet<string>;
}

const UNSCHEDULED = '(unscheduled)';
export const POD_W = 190;
export const POD_H = 40;
const GAP = 14;
const COLS = 2;

export const podId = (ref: string): string => `pod:${ref}`;
export const serviceId = (ref: string): string => `service:${ref}`;
export const islandId = (node: string): string => `node:${node}`;

export function topologyElements(t: Topology, filter: TopologyFilter): ElementDef[] {
  const nsOk = (ns: string): boolean => !filter.namespaces.length || filter.namespaces.includes(ns);
  const pods = t.pods.filter((p) => nsOk(p.namespace) && (!filter.selected || filter.selected.has(p.ref)));
  const out: ElementDef[] = [];
  const nodeNames = [...t.nodes.map((n) => n.name)];
  if (pods.some((p) => !p.node || !nodeNames.includes(p.node))) nodeNames.push(UNSCHEDULED);

  // Islands side by side; inside each, namespace groups stacked, pods in a small grid.
  let x = 0;
  for (const nodeName of nodeNames) {
    const node = t.nodes.find((n) => n.name === nodeName);
    const label = node ? `${node.name}  ${node.internalIP ?? ''}\npodCIDR ${node.podCIDRs.join(', ') || 'none'}` : UNSCHEDULED;
    out.push({ group: 'nodes', data: { id: islandId(nodeName), label, kind: 'island', ref: node ? `node:${nodeName}` : undefined }, classes: node && !node.ready ? 'island notready' : 'island' });
    const onNode = pods.filter((p) => (nodeName === UNSCHEDULED ? !p.node || !t.nodes.some((n) => n.name === p.node) : p.node === nodeName));
    const namespaces = [...new Set(onNode.map((p) => p.namespace))].sort();
    let y = 0;
    for (const ns of namespaces) {
      const gid = `nsgroup:${nodeName}/${ns}`;
      out.push({ group: 'nodes', data: { id: gid, label: ns, kind: 'nsgroup', parent: islandId(nodeName) }, classes: 'nsgroup' });
      const list = onNode.filter((p) => p.namespace === ns);
      list.forEach((p, i) => {
        const status = p.ready ? 'ready' : 'notready';
        out.push({
          group: 'nodes',
          data: { id: podId(p.ref), label: `${p.name}\n${p.ips[0] ?? 'no IP'}${p.ready ? '' : ' (not ready)'}`, kind: 'pod', parent: gid, ref: `pod:${p.ref}` },
          classes: `pod ${status}${p.hostNetwork ? ' hostnet' : ''}`,
          position: { x: x + (i % COLS) * (POD_W + GAP), y: y + Math.floor(i / COLS) * (POD_H + GAP) },
        });
      });
      y += Math.ceil(list.length / COLS) * (POD_H + GAP) + 50;
    }
    x += COLS * (POD_W + GAP) + 90;
  }

  const shown = new Set(pods.map((p) => p.ref));
  const services = t.services.filter((s) => nsOk(s.namespace));
  const svcNamespaces = [...new Set(services.map((s) => s.namespace))].sort();
  let sy = 0;
  for (const ns of svcNamespaces) {
    const gid = `svcgroup:${ns}`;
    out.push({ group: 'nodes', data: { id: gid, label: `Services in ${ns}`, kind: 'svcgroup' }, classes: 'svcgroup' });
    for (const s of services.filter((x) => x.namespace === ns)) {
      out.push({
        group: 'nodes',
        data: { id: serviceId(s.ref), label: `${s.name}\n${s.type} ${s.clusterIPs[0] ?? ''}`.trimEnd(), kind: 'service', parent: gid, ref: `service:${s.ref}` },
        classes: 'service',
        position: { x: -260, y: sy },
      });
      sy += POD_H + GAP;
      for (const e of s.endpoints) {
        if (!shown.has(e.pod)) continue;
        out.push({ group: 'edges', data: { id: `ep:${s.ref}->${e.pod}`, label: '', kind: 'edge', source: serviceId(s.ref), target: podId(e.pod) }, classes: e.ready ? 'endpoint' : 'endpoint notready' });
      }
    }
    sy += 40;
  }

  const svcShown = new Set(services.map((s) => s.ref));
  let ry = 0;
  for (const r of t.routes.filter((x) => nsOk(x.namespace))) {
    const id = `route:${r.ref}`;
    out.push({ group: 'nodes', data: { id, label: `${r.kind} ${r.name}\n${r.hosts.join(', ')}`, kind: 'route', ref: `${r.kind.toLowerCase()}:${r.namespace}/${r.name}` }, classes: 'route', position: { x: -520, y: ry } });
    ry += POD_H + GAP;
    for (const svc of r.services) {
      if (svcShown.has(svc)) out.push({ group: 'edges', data: { id: `rt:${r.ref}->${svc}`, label: '', kind: 'edge', source: id, target: serviceId(svc) }, classes: 'routes' });
    }
  }
  return out;
}

/** Element ids a trace hop's `where` text names (`pod shop/web-1`, `node node-1 cali…`). */
export function elementsForWhere(where: string): string[] {
  const pod = /^pod ([^\s/]+\/[^\s]+)/.exec(where);
  if (pod) return [podId(pod[1])];
  const node = /^node (\S+)/.exec(where);
  if (node) return [islandId(node[1])];
  const svc = /^(?:Service|service) ([^\s/]+\/[^\s:]+)/.exec(where);
  if (svc) return [serviceId(svc[1])];
  return [];
}

/** Pod IPs and Service ClusterIPs → the element that stands for them. */
export function elementsByIP(t: Topology): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of t.pods) if (!p.hostNetwork) for (const ip of p.ips) out.set(ip, podId(p.ref));
  for (const s of t.services) for (const ip of s.clusterIPs) if (ip !== 'None') out.set(ip, serviceId(s.ref));
  return out;
}
