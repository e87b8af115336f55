/**
 * CoreDNS's `kubernetes` plugin as the kubeadm Corefile configures it
 * (`kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa; ttl 30 }`):
 * which records a name has, and when a miss is NXDOMAIN, NODATA, or handed on to the next plugin.
 *
 * The plugin first turns a name into "services" (host = IP or target name, port, owner key), then
 * each query type builds its records from them; an empty result with no error is NODATA.
 */
import { isIP } from '../../api/cidr.ts';
import type { DNSPodsMode } from '../../cluster/config.ts';
import { emptyResponse, type DNSResponse, type Question } from './message.ts';
import { absoluteName, ipFromPodLabel, ipFromReverseName, isSubdomain, lowerName, trimZone } from './names.ts';
import type { ResourceRecord } from './records.ts';
import { parseRequest, type RecordRequest } from './request.ts';
import type { ClusterZone } from './zone.ts';

/** The spec's schema version, served as `dns-version.<zone>. TXT` (spec §2.2). */
export const DNS_SCHEMA_VERSION = '1.1.0';
/** TTL CoreDNS gives the dns-version TXT record. */
const SCHEMA_TTL = 28800;
/** CNAME chains longer than this are cut (CoreDNS maxCnameChainLength). */
const MAX_CNAME_CHAIN = 10;
const REVERSE_ZONES = ['in-addr.arpa.', 'ip6.arpa.'];

/** One "service" of the plugin: an address or a name to CNAME to, with the owner name SRV targets use. */
interface Entry {
  host: string;
  port: number;
  ttl: number;
  /** The absolute name this entry lives at (`svc.ns.svc.zone.` or `ep.svc.ns.svc.zone.`). */
  key: string;
  text?: string;
}

/** `undefined` is the plugin's name error (errNoItems and friends): NXDOMAIN, or fallthrough. */
type Lookup = Entry[] | undefined;

/** How the rest of the server resolves a name outside the zone (CoreDNS `upstream`: the server itself). */
export type UpstreamLookup = (q: Question) => DNSResponse;

export class KubernetesPlugin {
  /** Zones served, longest match wins: the cluster domain and the reverse zones. */
  readonly zones: string[];
  private readonly pods: DNSPodsMode;

  constructor(private readonly zone: ClusterZone, private readonly lookupElsewhere: UpstreamLookup) {
    this.zones = [zone.domain, ...REVERSE_ZONES];
    this.pods = zone.view.config.dns.pods;
  }

  /** The zone of `name` this plugin serves, if any. */
  matchZone(name: string): string | undefined {
    let best: string | undefined;
    for (const z of this.zones) if (isSubdomain(name, z) && (!best || z.length > best.length)) best = z;
    return best;
  }

  /**
   * Answers `q`, or returns undefined when the plugin hands the query on (outside its zones, or a name
   * error in a reverse zone, which the kubeadm Corefile lets fall through to `forward`).
   */
  serve(q: Question): DNSResponse | undefined {
    const zone = this.matchZone(q.name);
    if (!zone) return undefined;
    const qname = absoluteName(q.name);
    let records: ResourceRecord[] = [];
    let extra: ResourceRecord[] = [];
    let failed = false;
    const take = (r: { records: ResourceRecord[]; extra?: ResourceRecord[] } | undefined): void => {
      if (!r) failed = true;
      else {
        records = r.records;
        extra = r.extra ?? [];
      }
    };
    switch (q.type) {
      case 'A':
      case 'AAAA':
        take(this.address(qname, q.type, zone, []));
        break;
      case 'TXT':
        take(this.txt(qname, zone));
        break;
      case 'CNAME':
        take(this.cname(qname, zone));
        break;
      case 'PTR':
        take(this.ptr(qname, zone));
        break;
      case 'MX':
        take(this.services(qname, 'MX', zone) && { records: [] });
        break;
      case 'SRV':
        take(this.srv(qname, zone));
        break;
      case 'SOA':
        if (lowerName(qname) === zone) records = [this.soa(zone)];
        break;
      case 'AXFR':
      case 'IXFR':
        return emptyResponse('REFUSED', 'kubernetes', false);
      case 'NS':
        if (lowerName(qname) === zone) {
          take(this.ns(qname, zone));
          break;
        }
        take(this.address(qname, 'A', zone, []) && { records: [] });
        break;
      default:
        // Any other type: a fake A lookup tells NODATA from NXDOMAIN.
        take(this.address(qname, 'A', zone, []) && { records: [] });
    }
    if (failed) {
      if (REVERSE_ZONES.includes(zone)) return undefined;
      return { ...emptyResponse('NXDOMAIN', 'kubernetes', true), authority: [this.soa(zone)] };
    }
    if (!records.length) return { ...emptyResponse('NOERROR', 'kubernetes', true), authority: [this.soa(zone)] };
    return { ...emptyResponse('NOERROR', 'kubernetes', true), answer: records, additional: extra };
  }

  /** `<zone> SOA ns.dns.<zone> hostmaster.<zone> serial 7200 1800 86400 <ttl>`; minimum = ttl drives negative caching. */
  soa(zone: string): ResourceRecord {
    const ttl = this.zone.ttl;
    return {
      name: zone, ttl: Math.min(ttl, 300), type: 'SOA',
      data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: this.zone.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
    };
  }

  // ---- name → entries ----

  private records(name: string, zone: string): Lookup {
    const r = parseRequest(name, zone);
    if (!r) return undefined;
    if (r.podOrSvc === '') return [];
    if (REVERSE_ZONES.some((z) => isSubdomain(name, z))) return undefined;
    if (!this.zone.namespaceExists(r.namespace)) return undefined;
    return r.podOrSvc === 'pod' ? this.findPods(r, zone) : this.findServices(r, zone);
  }

  private findPods(r: RecordRequest, zone: string): Lookup {
    if (this.pods === 'disabled') return undefined;
    if (r.service === '') return [];
    const ip = ipFromPodLabel(r.service);
    if (!ip) return undefined;
    const key = `${r.service}.${r.namespace}.pod.${zone}`;
    if (this.pods === 'insecure') return [{ host: ip, port: 0, ttl: this.zone.ttl, key }];
    // verified: a pod with that (primary) IP must live in that namespace.
    const found = this.zone.podNamespacesForIP(ip).filter((ns) => ns === r.namespace);
    return found.length ? found.map(() => ({ host: ip, port: 0, ttl: this.zone.ttl, key })) : undefined;
  }

  private findServices(r: RecordRequest, zone: string): Lookup {
    if (r.service === '') return [];
    const svc = this.zone.service(r.namespace, r.service);
    if (!svc) return undefined;
    const ttl = this.zone.ttl;
    const svcName = `${svc.name}.${svc.namespace}.svc.${zone}`;
    if (svc.externalName !== undefined) {
      // An ExternalName has no endpoints or ports below it, and only a host name becomes a CNAME.
      if (r.endpoint || r.port || r.protocol || isIP(svc.externalName)) return undefined;
      return [{ host: svc.externalName, port: 0, ttl, key: svcName }];
    }
    const out: Entry[] = [];
    let matched = false;
    if (svc.headless || r.endpoint) {
      for (const subset of svc.subsets) {
        for (const a of subset.addresses) {
          if (r.endpoint && r.endpoint !== a.label) continue;
          for (const p of subset.ports) {
            if (!portMatches(r, p.name, p.protocol)) continue;
            matched = true;
            out.push({ host: a.ip, port: p.port, ttl, key: `${a.label}.${svcName}` });
          }
        }
      }
      return matched ? out : undefined;
    }
    for (const p of svc.ports) {
      if (!portMatches(r, p.name, p.protocol)) continue;
      matched = true;
      for (const ip of svc.clusterIPs) out.push({ host: ip, port: p.port, ttl, key: svcName });
    }
    return matched ? out : undefined;
  }

  /** The plugin's `Services`: special names (dns-version, the apex NS, ns.dns) before the general lookup. */
  private services(name: string, type: string, zone: string): Lookup {
    if (type === 'TXT') {
      if (trimZone(name, zone) === 'dns-version') return [{ host: '', port: 0, ttl: SCHEMA_TTL, key: name, text: DNS_SCHEMA_VERSION }];
      // Another type exists at the name: NODATA; otherwise NXDOMAIN (even for empty non-terminals).
      const other = this.records(name, zone);
      return other && other.length ? [] : undefined;
    }
    if (type === 'NS') {
      return this.nameservers(zone).flatMap((ns) => ns.ips.map((ip) => ({ host: ip, port: 0, ttl: this.zone.ttl, key: ns.name })));
    }
    if (lowerName(name) === `ns.dns.${zone}`) {
      const fam = type === 'AAAA' ? 6 : 4;
      return this.nameservers(zone).flatMap((ns) => ns.ips.filter((ip) => ipFamily(ip) === fam && (type === 'A' || type === 'AAAA')).map((ip) => ({ host: ip, port: 0, ttl: this.zone.ttl, key: name })));
    }
    const found = this.records(name, zone);
    // SRV has no form for ExternalName Services: drop CNAME-like entries.
    return type === 'SRV' && found ? found.filter((e) => isIP(e.host)) : found;
  }

  private nameservers(zone: string): { name: string; ips: string[] }[] {
    // CoreDNS names itself after the Service its own endpoints belong to (kube-dns), else ns.dns.<zone>.
    return this.zone.nameservers.map((ns) => ({ name: ns.name.startsWith('ns.dns.') ? `ns.dns.${zone}` : `kube-dns.kube-system.svc.${zone}`, ips: ns.ips }));
  }

  // ---- entries → records, per type ----

  private address(qname: string, type: 'A' | 'AAAA', zone: string, previous: ResourceRecord[]): { records: ResourceRecord[] } | undefined {
    const entries = this.services(qname, type, zone);
    if (!entries) return undefined;
    const records: ResourceRecord[] = [];
    const seen = new Set<string>();
    const fam = type === 'A' ? 4 : 6;
    for (const e of entries) {
      if (isIP(e.host)) {
        if (ipFamily(e.host) !== fam || seen.has(e.host)) continue;
        seen.add(e.host);
        records.push({ name: qname, ttl: e.ttl, type, data: e.host });
        continue;
      }
      const target = absoluteName(e.host);
      if (lowerName(target) === lowerName(qname)) continue; // x CNAME x
      const cname: ResourceRecord = { name: qname, ttl: e.ttl, type: 'CNAME', data: target };
      if (previous.length > MAX_CNAME_CHAIN) continue;
      if (previous.some((p) => p.type === 'CNAME' && lowerName(p.name) === lowerName(qname) && lowerName(p.data) === lowerName(target))) continue;
      if (isSubdomain(target, zone)) {
        const next = this.address(target, type, zone, [...previous, cname]);
        if (next && next.records.length) records.push(cname, ...next.records);
        continue;
      }
      // Outside the zone: resolve the target through the rest of the server (forward → upstream).
      const r = this.lookupElsewhere({ name: target, type });
      records.push(cname, ...r.answer);
    }
    return { records };
  }

  private txt(qname: string, zone: string): { records: ResourceRecord[] } | undefined {
    const entries = this.services(qname, 'TXT', zone);
    if (!entries) return undefined;
    return { records: entries.filter((e) => e.text !== undefined).map((e) => ({ name: qname, ttl: e.ttl, type: 'TXT', data: [e.text as string] })) };
  }

  private cname(qname: string, zone: string): { records: ResourceRecord[] } | undefined {
    const entries = this.services(qname, 'CNAME', zone);
    if (!entries) return undefined;
    const first = entries[0];
    return { records: first && !isIP(first.host) ? [{ name: qname, ttl: first.ttl, type: 'CNAME', data: absoluteName(first.host) }] : [] };
  }

  private srv(qname: string, zone: string): { records: ResourceRecord[]; extra: ResourceRecord[] } | undefined {
    const entries = this.services(qname, 'SRV', zone);
    if (!entries) return undefined;
    // Every entry weighs 100 within priority 0; each SRV gets its share of 100, at least 1.
    const total = entries.length * 100;
    const weight = Math.max(1, Math.floor((100 / total) * 100));
    const records: ResourceRecord[] = [];
    const extra: ResourceRecord[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      if (e.port === -1) continue; // no ports declared: no SRV
      const target = e.key;
      const srvKey = `${lowerName(target)}|${e.port}`;
      if (!seen.has(srvKey)) {
        seen.add(srvKey);
        records.push({ name: qname, ttl: e.ttl, type: 'SRV', data: { priority: 0, weight, port: e.port, target } });
      }
      const addrKey = `${lowerName(target)}|${e.host}`;
      if (!seen.has(addrKey)) {
        seen.add(addrKey);
        extra.push({ name: target, ttl: e.ttl, type: ipFamily(e.host) === 6 ? 'AAAA' : 'A', data: e.host });
      }
    }
    return { records, extra };
  }

  private ptr(qname: string, zone: string): { records: ResourceRecord[] } | undefined {
    const ip = ipFromReverseName(qname);
    if (!ip) {
      const r = this.records(qname, zone);
      return r ? { records: [] } : undefined;
    }
    const names: string[] = [];
    const svc = this.zone.serviceForClusterIP(ip);
    if (svc) names.push(`${svc.name}.${svc.namespace}.svc.${this.zone.domain}`);
    else for (const ep of this.zone.endpointsForIP(ip)) names.push(`${ep.label}.${ep.service.name}.${ep.service.namespace}.svc.${this.zone.domain}`);
    if (!names.length) return undefined;
    return { records: [...new Set(names)].map((n) => ({ name: qname, ttl: this.zone.ttl, type: 'PTR', data: n })) };
  }

  private ns(qname: string, zone: string): { records: ResourceRecord[]; extra: ResourceRecord[] } | undefined {
    const entries = this.services(qname, 'NS', zone) ?? [];
    const records: ResourceRecord[] = [];
    const extra: ResourceRecord[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      extra.push({ name: e.key, ttl: e.ttl, type: ipFamily(e.host) === 6 ? 'AAAA' : 'A', data: e.host });
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      records.push({ name: qname, ttl: e.ttl, type: 'NS', data: e.key });
    }
    return { records, extra };
  }
}

function portMatches(r: RecordRequest, name: string, protocol: string): boolean {
  return (r.port === '' || r.port === name.toLowerCase()) && (r.protocol === '' || r.protocol === protocol.toLowerCase());
}

function ipFamily(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}
