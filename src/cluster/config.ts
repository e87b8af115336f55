/**
 * ClusterConfig (`apiVersion: podnet/v1alpha1`, `kind: ClusterConfig`): the cluster-wide settings a
 * real cluster takes from kubeadm, kube-proxy and CoreDNS flags. Every key is optional; unknown keys
 * are errors so typos never silently fall back to defaults.
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError, reasons, type InputError } from '../api/errors.ts';
import { LineCounter, parseAllDocuments } from 'yaml';
import { parseCIDR, type CIDR } from '../api/cidr.ts';

export type CNIMode = 'bridge' | 'flannel' | 'calico' | 'cilium';
export type ProxyMode = 'iptables' | 'ipvs' | 'nftables';
export type DNSPodsMode = 'insecure' | 'verified' | 'disabled';

export interface DNSConfig {
  /** The kube-dns Service ClusterIP; default: the 10th address of serviceCIDR. */
  serviceIP?: string;
  ttl: number;
  pods: DNSPodsMode;
  endpointPodNames: boolean;
  autopath: boolean;
  /** What the resolver outside the cluster knows, as zone-file lines: `name. TYPE rdata`. */
  upstream: string[];
}

export interface ClusterConfig {
  clusterDomain: string;
  podCIDR: string;
  serviceCIDR: string;
  nodeCIDRMaskSize: number;
  nodePortRange: { base: number; size: number };
  cni: CNIMode;
  cniOptions: {
    flannelBackend: 'vxlan' | 'host-gw';
    calicoMode: 'bgp' | 'ipip' | 'vxlan';
    /** Cilium replaces kube-proxy with eBPF service handling. */
    kubeProxyReplacement: boolean;
    /** The MTU the CNI gives pod interfaces; default: underlay MTU minus the mode's encapsulation overhead. */
    podMTU?: number;
  };
  mtu: number;
  proxyMode: ProxyMode;
  kubeProxy: { masqueradeAll: boolean };
  /** Node names to create when no Node objects are given. */
  nodes: string[];
  loadBalancerPool?: string;
  ingressController: string;
  gatewayController: string;
  /** The network node InternalIPs are allocated from. */
  nodeNetwork: string;
  dns: DNSConfig;
}

export const DEFAULT_INGRESS_CONTROLLER = 'k8s.io/ingress-nginx';
export const DEFAULT_GATEWAY_CONTROLLER = 'podnet.dev/gateway-controller';

export function defaultClusterConfig(): ClusterConfig {
  return {
    clusterDomain: 'cluster.local',
    podCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    nodeCIDRMaskSize: 24,
    nodePortRange: { base: 30000, size: 2768 },
    cni: 'calico',
    cniOptions: { flannelBackend: 'vxlan', calicoMode: 'bgp', kubeProxyReplacement: false },
    mtu: 1500,
    proxyMode: 'iptables',
    kubeProxy: { masqueradeAll: false },
    nodes: defaultNodeNames(2),
    ingressController: DEFAULT_INGRESS_CONTROLLER,
    gatewayController: DEFAULT_GATEWAY_CONTROLLER,
    nodeNetwork: '172.18.0.0/16',
    dns: { ttl: 30, pods: 'insecure', endpointPodNames: false, autopath: false, upstream: [] },
  };
}

/** `node-1`, `node-2`, … */
export function defaultNodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${i + 1}`);
}

const TOP_KEYS = [
  'apiVersion', 'kind', 'metadata', 'clusterDomain', 'podCIDR', 'serviceCIDR', 'nodeCIDRMaskSize', 'nodePortRange',
  'cni', 'cniOptions', 'mtu', 'proxyMode', 'kubeProxy', 'nodes', 'loadBalancerPool', 'ingressController',
  'gatewayController', 'nodeNetwork', 'dns',
];

export function loadClusterConfig(file: string | undefined): ClusterConfig {
  if (!file) return defaultClusterConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InvalidInputError([{ file, reason: 'cannot read cluster config: no such file' }]);
  }
  return parseClusterConfig(text, file);
}

/** Parses and validates a ClusterConfig document; throws InvalidInputError with every problem. */
export function parseClusterConfig(text: string, file = '<config>'): ClusterConfig {
  const errors: InputError[] = [];
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', lineCounter: lc, uniqueKeys: true });
  const docList = Array.isArray(docs) ? docs : [docs];
  const doc = docList.find((d) => d.contents !== null);
  if (!doc) return defaultClusterConfig();
  if (doc.errors.length) {
    throw new InvalidInputError(doc.errors.map((e) => ({ file, line: lc.linePos(e.pos[0]).line, reason: `invalid YAML: ${e.message.split('\n')[0]}` })));
  }
  const raw = doc.toJS() as Record<string, unknown>;
  const lineOf = (key: string): number => {
    const r = (doc.get(key, true) as { range?: [number, number] } | undefined)?.range;
    return r ? lc.linePos(r[0]).line : 1;
  };
  const err = (field: string, reason: string): void => {
    errors.push({ file, line: lineOf(field.split('.')[0]), object: 'ClusterConfig', field, reason });
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidInputError([{ file, line: 1, reason: 'ClusterConfig must be a mapping' }]);
  }
  if (raw.apiVersion !== 'podnet/v1alpha1') err('apiVersion', reasons.unsupported(raw.apiVersion, ['podnet/v1alpha1']));
  if (raw.kind !== 'ClusterConfig') err('kind', reasons.unsupported(raw.kind, ['ClusterConfig']));
  for (const key of Object.keys(raw)) if (!TOP_KEYS.includes(key)) err(key, 'unknown field');

  const cfg = defaultClusterConfig();
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      err(key, reasons.invalid(v, 'must be a string'));
      return undefined;
    }
    return v;
  };
  const cidrField = (key: 'podCIDR' | 'serviceCIDR' | 'nodeNetwork' | 'loadBalancerPool'): void => {
    const v = str(key);
    if (v === undefined) return;
    const parsed = parseCIDR(v);
    if (!parsed) err(key, reasons.invalid(v, 'must be a valid CIDR, e.g. 10.244.0.0/16'));
    else cfg[key] = v;
  };
  const oneOf = <T extends string>(key: string, value: unknown, allowed: readonly T[]): T | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      err(key, reasons.unsupported(value, allowed));
      return undefined;
    }
    return value as T;
  };
  const int = (key: string, value: unknown, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      err(key, reasons.invalid(value, `must be an integer between ${min} and ${max}, inclusive`));
      return undefined;
    }
    return value;
  };
  const bool = (key: string, value: unknown): boolean | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      err(key, reasons.invalid(value, 'must be true or false'));
      return undefined;
    }
    return value;
  };
  const subObject = (key: string, allowed: readonly string[]): Record<string, unknown> => {
    const v = raw[key];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) {
      err(key, reasons.invalid(v, 'must be a mapping'));
      return {};
    }
    for (const k of Object.keys(v)) if (!allowed.includes(k)) err(`${key}.${k}`, 'unknown field');
    return v as Record<string, unknown>;
  };

  const domain = str('clusterDomain');
  if (domain !== undefined) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain)) {
      err('clusterDomain', reasons.invalid(domain, 'must be a DNS subdomain such as cluster.local'));
    } else cfg.clusterDomain = domain;
  }
  cidrField('podCIDR');
  cidrField('serviceCIDR');
  cidrField('nodeNetwork');
  cidrField('loadBalancerPool');
  cfg.nodeCIDRMaskSize = int('nodeCIDRMaskSize', raw.nodeCIDRMaskSize, 8, 30) ?? cfg.nodeCIDRMaskSize;
  const podNet = parseCIDR(cfg.podCIDR) as CIDR;
  if (cfg.nodeCIDRMaskSize < podNet.prefix) {
    err('nodeCIDRMaskSize', reasons.invalid(cfg.nodeCIDRMaskSize, `must not be shorter than the podCIDR prefix /${podNet.prefix}`));
  }
  if (raw.nodePortRange !== undefined) {
    const m = typeof raw.nodePortRange === 'string' ? /^(\d+)-(\d+)$/.exec(raw.nodePortRange) : null;
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2]) : NaN;
    if (!m || lo < 1 || hi > 65535 || lo > hi) err('nodePortRange', reasons.invalid(raw.nodePortRange, 'must be a port range like 30000-32767'));
    else cfg.nodePortRange = { base: lo, size: hi - lo + 1 };
  }
  cfg.cni = oneOf('cni', raw.cni, ['bridge', 'flannel', 'calico', 'cilium'] as const) ?? cfg.cni;
  const cniOptions = subObject('cniOptions', ['backend', 'mode', 'kubeProxyReplacement', 'podMTU']);
  cfg.cniOptions.kubeProxyReplacement = bool('cniOptions.kubeProxyReplacement', cniOptions.kubeProxyReplacement) ?? false;
  const podMTU = int('cniOptions.podMTU', cniOptions.podMTU, 576, 9216);
  if (podMTU !== undefined) cfg.cniOptions.podMTU = podMTU;
  cfg.cniOptions.flannelBackend = oneOf('cniOptions.backend', cniOptions.backend, ['vxlan', 'host-gw'] as const) ?? cfg.cniOptions.flannelBackend;
  cfg.cniOptions.calicoMode = oneOf('cniOptions.mode', cniOptions.mode, ['bgp', 'ipip', 'vxlan'] as const) ?? cfg.cniOptions.calicoMode;
  cfg.mtu = int('mtu', raw.mtu, 576, 9216) ?? cfg.mtu;
  cfg.proxyMode = oneOf('proxyMode', raw.proxyMode, ['iptables', 'ipvs', 'nftables'] as const) ?? cfg.proxyMode;
  const kubeProxy = subObject('kubeProxy', ['masqueradeAll']);
  cfg.kubeProxy.masqueradeAll = bool('kubeProxy.masqueradeAll', kubeProxy.masqueradeAll) ?? false;
  if (raw.nodes !== undefined) {
    if (typeof raw.nodes === 'number' && Number.isInteger(raw.nodes) && raw.nodes >= 1 && raw.nodes <= 5000) {
      cfg.nodes = defaultNodeNames(raw.nodes);
    } else if (Array.isArray(raw.nodes) && raw.nodes.length > 0 && raw.nodes.every((n) => typeof n === 'string' && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n))) {
      if (new Set(raw.nodes).size !== raw.nodes.length) err('nodes', reasons.invalid(raw.nodes, 'node names must be unique'));
      else cfg.nodes = raw.nodes as string[];
    } else {
      err('nodes', reasons.invalid(raw.nodes, 'must be a node count (1-5000) or a list of DNS-1123 node names'));
    }
  }
  cfg.ingressController = str('ingressController') ?? cfg.ingressController;
  cfg.gatewayController = str('gatewayController') ?? cfg.gatewayController;
  const dns = subObject('dns', ['serviceIP', 'ttl', 'pods', 'endpointPodNames', 'autopath', 'upstream']);
  if (dns.serviceIP !== undefined) {
    const svcNet = parseCIDR(cfg.serviceCIDR);
    const ip = typeof dns.serviceIP === 'string' ? parseCIDR(`${dns.serviceIP}/32`) : undefined;
    if (!ip || !svcNet || !svcNet.contains(dns.serviceIP as string)) {
      err('dns.serviceIP', reasons.invalid(dns.serviceIP, `must be an IP address inside serviceCIDR ${cfg.serviceCIDR}`));
    } else cfg.dns.serviceIP = dns.serviceIP as string;
  }
  cfg.dns.ttl = int('dns.ttl', dns.ttl, 0, 3600) ?? cfg.dns.ttl;
  cfg.dns.pods = oneOf('dns.pods', dns.pods, ['insecure', 'verified', 'disabled'] as const) ?? cfg.dns.pods;
  cfg.dns.endpointPodNames = bool('dns.endpointPodNames', dns.endpointPodNames) ?? false;
  cfg.dns.autopath = bool('dns.autopath', dns.autopath) ?? false;
  if (dns.upstream !== undefined) {
    if (!Array.isArray(dns.upstream) || !dns.upstream.every((l) => typeof l === 'string')) {
      err('dns.upstream', reasons.invalid(dns.upstream, 'must be a list of zone-file lines such as "example.com. A 93.184.216.34"'));
    } else cfg.dns.upstream = dns.upstream as string[];
  }
  if (errors.length) throw new InvalidInputError(errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  return cfg;
}
