/**
 * The cluster DNS server as a pure function of the cluster: the kubeadm Corefile's plugin chain
 * `autopath @kubernetes` (when enabled) → `kubernetes` → `forward . <upstream>`.
 * The dataplane server and `podnet dig` both ask this; neither re-derives an answer.
 */
import type { ClusterView } from '../../cluster/view.ts';
import { KubernetesPlugin } from './kubernetes.ts';
import type { DNSResponse, Question } from './message.ts';
import { absoluteName, isSubdomain, lowerName, trimZone } from './names.ts';
import type { ResourceRecord } from './records.ts';
import { nodeResolvConf } from './resolv-conf.ts';
import { UpstreamResolver } from './upstream.ts';
import { ClusterZone, type ZoneOptions } from './zone.ts';

export interface ClusterDNSOptions extends ZoneOptions {
  /** Where `forward` sends names the cluster does not serve; default: the `dns.upstream` records. */
  forward?: (q: Question) => DNSResponse;
}

/** The client of a query: its source IP lets autopath find the asking pod. */
export interface DNSClient {
  ip?: string;
}

export class ClusterDNS {
  readonly zone: ClusterZone;
  readonly kubernetes: KubernetesPlugin;
  readonly upstream: UpstreamResolver;
  private readonly forward: (q: Question) => DNSResponse;
  /** autopath @kubernetes only works with `pods verified` (it needs the pod index); otherwise it is off. */
  readonly autopath: boolean;
  private readonly hostSearch: string[];

  constructor(readonly view: ClusterView, options: ClusterDNSOptions = {}) {
    this.zone = new ClusterZone(view, options);
    this.upstream = UpstreamResolver.fromLines(view.config.dns.upstream);
    this.forward = options.forward ?? ((q) => this.upstream.answer(q));
    this.kubernetes = new KubernetesPlugin(this.zone, (q) => this.withoutAutopath(q));
    this.autopath = view.config.dns.autopath && view.config.dns.pods === 'verified';
    // CoreDNS runs with dnsPolicy Default: its own search list is the node's.
    this.hostSearch = nodeResolvConf(view).searches;
  }

  /** The response to `q` from `client`, as the server would send it. */
  answer(q: Question, client: DNSClient = {}): DNSResponse {
    if (this.autopath && client.ip) {
      const r = this.autopathAnswer(q, client.ip);
      if (r) return r;
    }
    return this.withoutAutopath(q);
  }

  /** True when the answer to `q` may depend on who asks (autopath): such answers must not be shared. */
  dependsOnClient(q: Question): boolean {
    return this.autopath && this.kubernetes.matchZone(q.name) !== undefined;
  }

  private withoutAutopath(q: Question): DNSResponse {
    return this.kubernetes.serve(q) ?? this.forward({ name: absoluteName(q.name), type: q.type });
  }

  /**
   * Server-side search walk: when the name ends in the client pod's first search domain, try the
   * base name with each search domain (then bare) and answer the first non-NXDOMAIN with a CNAME
   * from the asked name. All NXDOMAIN → the first reply, and the client walks on by itself.
   */
  private autopathAnswer(q: Question, clientIP: string): DNSResponse | undefined {
    const zone = this.kubernetes.matchZone(q.name);
    const pod = this.zone.podForIP(clientIP);
    if (!zone || !pod) return undefined;
    const search = [`${pod.namespace.toLowerCase()}.svc.${zone}`, `svc.${zone}`, zone, ...this.hostSearch.map((s) => lowerName(s)), ''];
    if (!isSubdomain(q.name, search[0])) return undefined;
    const base = trimZone(q.name, search[0]);
    if (base === undefined || base === '') return undefined;
    const original = absoluteName(q.name);
    let first: DNSResponse | undefined;
    for (const s of search) {
      const name = s === '' ? `${base}.` : `${base}.${s}`;
      const r = this.withoutAutopath({ name, type: q.type });
      first ??= r;
      if (r.rcode === 'NXDOMAIN') continue;
      return { ...r, answer: cnamer(r.answer, original), answeredBy: 'autopath' };
    }
    return first;
  }
}

/** Prefixes a CNAME from the asked name to the first answer's owner, unless they are the same. */
function cnamer(answer: ResourceRecord[], original: string): ResourceRecord[] {
  const first = answer.find((a) => lowerName(a.name) !== lowerName(original));
  if (!first) return answer;
  return [{ name: original, ttl: first.ttl, type: 'CNAME', data: first.name }, ...answer];
}
