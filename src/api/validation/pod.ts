/**
 * Pod and PodSpec validation (pkg/apis/core/validation ValidatePodSpec and friends), limited to what
 * networking depends on: containers and their ports, host ports, DNS policy and config, hostname and
 * subdomain, restart policy, and the IPs in status.
 */
import { dns1123LabelErrors, dns1123SubdomainErrors, ipErrors, portNameErrors, portNumErrors } from './formats.ts';
import { validateLabels } from './meta.ts';
import type { Path, Problems } from './problems.ts';
import { bool, list, num, rec, str, type Rec } from './values.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const MAX_DNS_NAMESERVERS = 3;
const MAX_DNS_SEARCH_PATHS = 32;
const MAX_DNS_SEARCH_LIST_CHARS = 2048;
// RelaxedDNSSearchValidation (GA): search domains may contain '_' and may be '.'.
const SEARCH_DOMAIN = /^_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/;

export function validatePod(obj: Rec, p: Problems): void {
  validatePodSpec(rec(obj.spec) ?? {}, ['spec'], p);
  validatePodStatus(rec(obj.status), p);
}

export function validatePodSpec(spec: Rec, path: Path, p: Problems): void {
  const containers = list(spec.containers);
  const initContainers = list(spec.initContainers);
  if (containers.length === 0) p.required([...path, 'containers']);
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  const hostNetwork = bool(spec.hostNetwork) === true;
  for (const [field, items] of [['initContainers', initContainers], ['containers', containers]] as const) {
    items.forEach((raw, i) => validateContainer(rec(raw) ?? {}, [...path, field, i], names, hostPorts, hostNetwork, p));
  }

  const restartPolicy = str(spec.restartPolicy);
  if (!restartPolicy) p.required([...path, 'restartPolicy']);
  else if (!RESTART_POLICIES.includes(restartPolicy)) p.unsupported([...path, 'restartPolicy'], restartPolicy, RESTART_POLICIES);

  const dnsPolicy = str(spec.dnsPolicy);
  if (!dnsPolicy) p.required([...path, 'dnsPolicy']);
  else if (!DNS_POLICIES.includes(dnsPolicy)) p.unsupported([...path, 'dnsPolicy'], dnsPolicy, DNS_POLICIES);
  validateDNSConfig(spec.dnsConfig, dnsPolicy, [...path, 'dnsConfig'], p);

  for (const field of ['hostname', 'subdomain'] as const) {
    const v = str(spec[field]);
    if (v) p.invalidEach([...path, field], v, dns1123LabelErrors(v));
  }
  const nodeName = str(spec.nodeName);
  if (nodeName) p.invalidEach([...path, 'nodeName'], nodeName, dns1123SubdomainErrors(nodeName));
  if (spec.nodeSelector !== undefined) validateLabels(spec.nodeSelector, [...path, 'nodeSelector'], p);
  list(spec.hostAliases).forEach((raw, i) => {
    const ip = str(rec(raw)?.ip) ?? '';
    p.invalidEach([...path, 'hostAliases', i, 'ip'], ip, ipErrors(ip));
  });
}

function validateContainer(c: Rec, path: Path, names: Set<string>, hostPorts: Set<string>, hostNetwork: boolean, p: Problems): void {
  const name = str(c.name) ?? '';
  if (name === '') p.required([...path, 'name']);
  else {
    p.invalidEach([...path, 'name'], name, dns1123LabelErrors(name));
    if (names.has(name)) p.duplicate([...path, 'name'], name);
    names.add(name);
  }
  if (!str(c.image)) p.required([...path, 'image']);

  // Port names are unique within one container (across containers the API server only warns).
  const portNames = new Set<string>();
  list(c.ports).forEach((raw, i) => {
    const port = rec(raw) ?? {};
    const at: Path = [...path, 'ports', i];
    const portName = str(port.name) ?? '';
    if (portName !== '') {
      const errs = portNameErrors(portName);
      if (errs.length) p.invalidEach([...at, 'name'], portName, errs);
      else if (portNames.has(portName)) p.duplicate([...at, 'name'], portName);
      else portNames.add(portName);
    }
    const containerPort = num(port.containerPort) ?? 0;
    if (containerPort === 0) p.required([...at, 'containerPort']);
    else p.invalidEach([...at, 'containerPort'], containerPort, portNumErrors(containerPort));
    const hostPort = num(port.hostPort) ?? 0;
    if (hostPort !== 0) p.invalidEach([...at, 'hostPort'], hostPort, portNumErrors(hostPort));
    const protocol = str(port.protocol);
    if (!protocol) p.required([...at, 'protocol']);
    else if (!PROTOCOLS.includes(protocol)) p.unsupported([...at, 'protocol'], protocol, PROTOCOLS);
    const hostIP = str(port.hostIP);
    if (hostIP) p.invalidEach([...at, 'hostIP'], hostIP, ipErrors(hostIP));
    if (hostNetwork && hostPort !== 0 && hostPort !== containerPort)
      p.invalid([...at, 'hostPort'], hostPort, 'must match `containerPort` when `hostNetwork` is true');
    if (hostPort !== 0) {
      // AccumulateUniqueHostPorts: one (protocol, hostIP, hostPort) per pod.
      const key = `${protocol ?? ''}/${hostIP ?? ''}/${hostPort}`;
      if (hostPorts.has(key)) p.duplicate([...at, 'hostPort'], key);
      hostPorts.add(key);
    }
  });
}

function validateDNSConfig(raw: unknown, dnsPolicy: string | undefined, path: Path, p: Problems): void {
  const config = rec(raw);
  if (dnsPolicy === 'None') {
    if (!config) return p.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None');
    if (list(config.nameservers).length === 0) p.required([...path, 'nameservers'], 'must provide at least one DNS nameserver when `dnsPolicy` is None');
  }
  if (!config) return;
  const nameservers = list(config.nameservers);
  if (nameservers.length > MAX_DNS_NAMESERVERS)
    p.invalid([...path, 'nameservers'], nameservers, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`);
  nameservers.forEach((ns, i) => {
    if (typeof ns === 'string') p.invalidEach([...path, 'nameservers', i], ns, ipErrors(ns));
  });
  const searches = list(config.searches).filter((s): s is string => typeof s === 'string');
  if (searches.length > MAX_DNS_SEARCH_PATHS)
    p.invalid([...path, 'searches'], searches, `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`);
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS)
    p.invalid([...path, 'searches'], searches, `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`);
  searches.forEach((s, i) => {
    if (s === '.') return;
    const domain = s.replace(/\.$/, '');
    if (domain.length > 253 || !SEARCH_DOMAIN.test(domain)) p.invalidEach([...path, 'searches', i], domain, dns1123SubdomainErrors(domain));
  });
  list(config.options).forEach((raw, i) => {
    if (!str(rec(raw)?.name)) p.required([...path, 'options', i, 'name'], 'must not be empty');
  });
}

function validatePodStatus(status: Rec | undefined, p: Problems): void {
  if (!status) return;
  for (const field of ['podIP', 'hostIP'] as const) {
    const ip = str(status[field]);
    if (ip) p.invalidEach(['status', field], ip, ipErrors(ip));
  }
  for (const field of ['podIPs', 'hostIPs'] as const) {
    const ips = list(status[field]);
    ips.forEach((raw, i) => {
      const ip = str(rec(raw)?.ip) ?? '';
      p.invalidEach(['status', field, i, 'ip'], ip, ipErrors(ip));
    });
    if (ips.length > 1) {
      const families = ips.map((raw) => (str(rec(raw)?.ip) ?? '').includes(':'));
      if (families[0] === families[1] || ips.length > 2) p.invalid(['status', field], ips.map((x) => rec(x)?.ip), 'may specify no more than one IP for each IP family');
    }
  }
}
