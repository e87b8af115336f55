/**
 * kube-proxy's endpoints for one service port, read from EndpointSlices as its EndpointSliceCache
 * does: ignored slices filtered, nil conditions defaulted, duplicates merged, sorted by "ip:port".
 */
import { parseIP } from '../../api/cidr.ts';
import type { EndpointSlice } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import type { ServicePortName } from './chain-names.ts';
import { LABEL_HEADLESS, LABEL_SERVICE_PROXY_NAME } from './service-port.ts';

export interface EndpointInfo {
  ip: string;
  port: number;
  /** "ip:port": the identity kube-proxy dedupes and sorts by. */
  key: string;
  nodeName?: string;
  zone?: string;
  /** The endpoint's nodeName is the node this view is for. */
  isLocal: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  zoneHints: string[];
  nodeHints: string[];
  /** `ns/name` of the Pod behind the endpoint, when the slice says. */
  pod?: string;
}

/** Slices kube-proxy ignores: labelled for another proxy or headless, or not IPv4 (this proxier's family). */
export function sliceIgnored(slice: EndpointSlice): boolean {
  const labels = slice.metadata.labels ?? {};
  return LABEL_SERVICE_PROXY_NAME in labels || LABEL_HEADLESS in labels || slice.addressType !== 'IPv4';
}

/**
 * The endpoints of one service port as seen from `nodeName`. Slice ports bind to the service port by
 * name ("" when unset) and protocol (TCP when unset). Consumers must read nil conditions as
 * ready=true, serving=true, terminating=false. Only the first address of an endpoint counts. When two
 * slices list the same "ip:port", the local copy wins.
 */
export function servicePortEndpoints(view: ClusterView, spn: ServicePortName, nodeName: string): EndpointInfo[] {
  const slices = [...view.slicesForService(spn.namespace, spn.name)].filter((s) => !sliceIgnored(s));
  slices.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const byKey = new Map<string, EndpointInfo>();
  for (const slice of slices) {
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === spn.port && (p.protocol ?? 'TCP') === spn.protocol);
    if (!sp || typeof sp.port !== 'number') continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip || parseIP(ip)?.family !== 4) continue;
      const key = `${ip}:${sp.port}`;
      const isLocal = ep.nodeName !== undefined && ep.nodeName === nodeName;
      if (byKey.has(key) && !isLocal) continue;
      const ref = ep.targetRef;
      byKey.set(key, {
        ip,
        port: sp.port,
        key,
        ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
        ...(ep.zone ? { zone: ep.zone } : {}),
        isLocal,
        ready: ep.conditions?.ready ?? true,
        serving: ep.conditions?.serving ?? true,
        terminating: ep.conditions?.terminating ?? false,
        zoneHints: (ep.hints?.forZones ?? []).map((z) => z.name),
        nodeHints: (ep.hints?.forNodes ?? []).map((n) => n.name),
        ...(ref?.kind === 'Pod' && ref.name ? { pod: `${ref.namespace ?? spn.namespace}/${ref.name}` } : {}),
      });
    }
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
