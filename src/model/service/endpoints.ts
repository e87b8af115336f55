/**
 * kube-proxy's endpoints for one service port, read from EndpointSlices as its EndpointSliceCache
 * does: ignored slices filtered, nil conditions defaulted, duplicates merged, sorted by "ip:port".
 */
import type { EndpointSlice } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import type { ServicePortName } from './chain-names.ts';
import { LABEL_HEADLESS, LABEL_SERVICE_PROXY_NAME } from './service-port.ts';

// Slices are validated on the way in; this only tells the families apart, cheaply (10^5 endpoints).
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

const NO_HINTS: string[] = [];

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
  const slices = view.slicesForService(spn.namespace, spn.name).filter((s) => !sliceIgnored(s));
  if (slices.length > 1) slices.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const byKey = new Map<string, EndpointInfo>();
  for (const slice of slices) {
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === spn.port && (p.protocol ?? 'TCP') === spn.protocol);
    if (!sp || typeof sp.port !== 'number') continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip || !IPV4.test(ip)) continue;
      const key = `${ip}:${sp.port}`;
      const isLocal = ep.nodeName !== undefined && ep.nodeName === nodeName;
      if (byKey.has(key) && !isLocal) continue;
      const info: EndpointInfo = {
        ip,
        port: sp.port,
        key,
        isLocal,
        ready: ep.conditions?.ready ?? true,
        serving: ep.conditions?.serving ?? true,
        terminating: ep.conditions?.terminating ?? false,
        zoneHints: ep.hints?.forZones?.length ? ep.hints.forZones.map((z) => z.name) : NO_HINTS,
        nodeHints: ep.hints?.forNodes?.length ? ep.hints.forNodes.map((n) => n.name) : NO_HINTS,
      };
      if (ep.nodeName) info.nodeName = ep.nodeName;
      if (ep.zone) info.zone = ep.zone;
      const ref = ep.targetRef;
      if (ref?.kind === 'Pod' && ref.name) info.pod = `${ref.namespace ?? spn.namespace}/${ref.name}`;
      byKey.set(key, info);
    }
  }
  const out = [...byKey.values()];
  return out.length > 1 ? out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : out;
}
