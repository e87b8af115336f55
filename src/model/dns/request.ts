/**
 * Reading a query name inside the cluster zone the way CoreDNS's kubernetes plugin does (parse.go).
 * The labels left of the zone fall into one of these shapes:
 *   1. `_port._protocol.service.namespace.svc`   (SRV for a named port)
 *   2. `endpoint.service.namespace.svc`          (an endpoint of a Service)
 *   3. `service.namespace.svc` / `podlabel.namespace.pod`
 *   4. `namespace.svc|pod`, `svc`, `pod`, the apex  (empty non-terminals: no records, no error)
 * More labels than shape 1 allows, or a last label other than `svc`/`pod`, is an invalid request (NXDOMAIN).
 */
import { labelsOf, trimZone } from './names.ts';

export interface RecordRequest {
  /** Port name from `_port` (underscore stripped), or '' for any. */
  port: string;
  /** Protocol from `_protocol` (underscore stripped), or '' for any. */
  protocol: string;
  endpoint: string;
  service: string;
  namespace: string;
  /** 'svc', 'pod', or '' for the apex and the `svc`/`pod` labels themselves. */
  podOrSvc: '' | 'svc' | 'pod';
}

/** Parses `name` (inside `zone`); undefined means the name cannot exist (CoreDNS errInvalidRequest). */
export function parseRequest(name: string, zone: string): RecordRequest | undefined {
  const r: RecordRequest = { port: '', protocol: '', endpoint: '', service: '', namespace: '', podOrSvc: '' };
  const base = trimZone(name, zone);
  if (base === undefined) return undefined;
  if (base === '' || base === 'svc' || base === 'pod') return r;
  const segs = labelsOf(base);
  let last = segs.length - 1;
  const kind = segs[last];
  if (kind !== 'svc' && kind !== 'pod') return undefined;
  r.podOrSvc = kind;
  if (--last < 0) return r;
  r.namespace = segs[last];
  if (--last < 0) return r;
  r.service = segs[last];
  if (--last < 0) return r;
  if (last === 0) {
    r.endpoint = segs[0];
  } else if (last === 1) {
    r.protocol = stripUnderscore(segs[1]);
    r.port = stripUnderscore(segs[0]);
  } else {
    return undefined; // too long to be anything the plugin serves
  }
  return r;
}

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}
