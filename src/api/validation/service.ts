/**
 * Service validation (pkg/apis/core/validation ValidateService) plus the range checks the API
 * server's allocators make on create: a requested clusterIP must lie in the service CIDR and a
 * requested nodePort in the node port range.
 */
import { parseCIDR, parseIP } from '../cidr.ts';
import type { ValidationContext } from './context.ts';
import { cidrErrors, dns1123LabelErrors, dns1123SubdomainErrors, ipErrors, portNameErrors, portNumErrors, qualifiedNameErrors, specialIPErrors } from './formats.ts';
import { validateLabels } from './meta.ts';
import type { Path, Problems } from './problems.ts';
import { has, list, num, rec, str, type Rec } from './values.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TRAFFIC_DISTRIBUTIONS = ['PreferClose', 'PreferSameZone', 'PreferSameNode'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

/** A targetPort / NetworkPolicy port: a number 1..65535 or an IANA_SVC_NAME (ValidatePortNumOrName). */
export function validatePortNumOrName(value: unknown, path: Path, p: Problems): void {
  if (typeof value === 'number') p.invalidEach(path, value, portNumErrors(value));
  else if (typeof value === 'string') p.invalidEach(path, value, portNameErrors(value));
}

export function validateService(obj: Rec, ctx: ValidationContext, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  const sp: Path = ['spec'];
  const type = str(spec.type);
  const ports = list(spec.ports);
  const clusterIP = str(spec.clusterIP) ?? '';
  const clusterIPs = list(spec.clusterIPs).filter((x): x is string => typeof x === 'string');
  const headless = clusterIP === 'None' || (clusterIPs.length === 1 && clusterIPs[0] === 'None');

  if (ports.length === 0 && !headless && type !== 'ExternalName') p.required([...sp, 'ports']);

  switch (type) {
    case 'LoadBalancer':
    case 'NodePort':
      // Upstream reports this on spec.clusterIPs[0] (which the registry copies from clusterIP).
      if (headless) {
        const at: Path = clusterIPs.length > 0 ? [...sp, 'clusterIPs', 0] : [...sp, 'clusterIP'];
        p.invalid(at, 'None', `may not be set to 'None' for ${type} services`);
      }
      break;
    case 'ExternalName': {
      if (clusterIP !== '') p.forbidden([...sp, 'clusterIP'], 'may not be set for ExternalName services');
      else if (clusterIPs.length > 0) p.forbidden([...sp, 'clusterIPs'], 'may not be set for ExternalName services');
      if (list(spec.ipFamilies).length > 0) p.forbidden([...sp, 'ipFamilies'], 'may not be set for ExternalName services');
      if (has(spec, 'ipFamilyPolicy')) p.forbidden([...sp, 'ipFamilyPolicy'], 'may not be set for ExternalName services');
      // The value (a CNAME) may end in a dot to mark it fully qualified.
      const cname = (str(spec.externalName) ?? '').replace(/\.$/, '');
      if (cname) p.invalidEach([...sp, 'externalName'], cname, dns1123SubdomainErrors(cname));
      else p.required([...sp, 'externalName']);
      break;
    }
  }

  const names = new Set<string>();
  ports.forEach((raw, i) => validateServicePort(rec(raw) ?? {}, ports.length > 1, names, [...sp, 'ports', i], p));

  if (has(spec, 'selector')) validateLabels(spec.selector, [...sp, 'selector'], p);

  const affinity = str(spec.sessionAffinity);
  if (!affinity) p.required([...sp, 'sessionAffinity']);
  else if (!AFFINITIES.includes(affinity)) p.unsupported([...sp, 'sessionAffinity'], affinity, AFFINITIES);
  if (affinity === 'ClientIP') validateClientIPAffinity(spec.sessionAffinityConfig, [...sp, 'sessionAffinityConfig'], p);
  else if (affinity === 'None' && has(spec, 'sessionAffinityConfig')) p.forbidden([...sp, 'sessionAffinityConfig'], 'must not be set when session affinity is None');

  if (type !== 'ExternalName') validateClusterIPs(spec, clusterIP, clusterIPs, ctx, p);

  list(spec.externalIPs).forEach((ip, i) => {
    if (typeof ip === 'string') p.invalidEach([...sp, 'externalIPs', i], ip, specialIPErrors(ip));
  });

  if (!type) p.required([...sp, 'type']);
  else if (!TYPES.includes(type)) p.unsupported([...sp, 'type'], type, TYPES);

  validateNodePorts(ports, type, ctx, p);

  // Duplicate (port, protocol) pairs.
  const seen = new Set<string>();
  ports.forEach((raw, i) => {
    const port = rec(raw) ?? {};
    const key = JSON.stringify({ port: port.port ?? 0, protocol: port.protocol ?? '' });
    if (seen.has(key)) p.duplicate([...sp, 'ports', i], { port: port.port, protocol: port.protocol });
    seen.add(key);
  });

  const ranges = list(spec.loadBalancerSourceRanges);
  if (ranges.length > 0) {
    if (type !== 'LoadBalancer') p.forbidden([...sp, 'loadBalancerSourceRanges'], "may only be used when `type` is 'LoadBalancer'");
    ranges.forEach((r, i) => {
      // Historically space-padded values are allowed.
      if (typeof r === 'string') p.invalidEach([...sp, 'loadBalancerSourceRanges', i], r.trim(), cidrErrors(r.trim()));
    });
  }

  if (has(spec, 'allocateLoadBalancerNodePorts') && type !== 'LoadBalancer')
    p.forbidden([...sp, 'allocateLoadBalancerNodePorts'], "may only be used when `type` is 'LoadBalancer'");
  if (type === 'LoadBalancer' && !has(spec, 'allocateLoadBalancerNodePorts')) p.required([...sp, 'allocateLoadBalancerNodePorts']);

  const lbClass = str(spec.loadBalancerClass);
  if (lbClass !== undefined) {
    if (type === 'LoadBalancer') p.invalidEach([...sp, 'loadBalancerClass'], lbClass, qualifiedNameErrors(lbClass));
    else p.forbidden([...sp, 'loadBalancerClass'], "may only be used when `type` is 'LoadBalancer'");
  }
  const lbIP = str(spec.loadBalancerIP);
  if (lbIP) p.invalidEach([...sp, 'loadBalancerIP'], lbIP, ipErrors(lbIP));

  validateTrafficPolicies(spec, type, ctx, p);

  const distribution = str(spec.trafficDistribution);
  if (distribution !== undefined && !TRAFFIC_DISTRIBUTIONS.includes(distribution))
    p.unsupported([...sp, 'trafficDistribution'], distribution, TRAFFIC_DISTRIBUTIONS);

  validateLoadBalancerStatus(rec(rec(obj.status)?.loadBalancer), ['status', 'loadBalancer'], p);
}

function validateServicePort(port: Rec, requireName: boolean, names: Set<string>, path: Path, p: Problems): void {
  const name = str(port.name) ?? '';
  if (requireName && name === '') p.required([...path, 'name']);
  else if (name !== '') {
    p.invalidEach([...path, 'name'], name, dns1123LabelErrors(name));
    if (names.has(name)) p.duplicate([...path, 'name'], name);
    else names.add(name);
  }
  const number = num(port.port) ?? 0;
  p.invalidEach([...path, 'port'], number, portNumErrors(number));
  const protocol = str(port.protocol);
  if (!protocol) p.required([...path, 'protocol']);
  else if (!PROTOCOLS.includes(protocol)) p.unsupported([...path, 'protocol'], protocol, PROTOCOLS);
  validatePortNumOrName(port.targetPort, [...path, 'targetPort'], p);
  const appProtocol = str(port.appProtocol);
  if (appProtocol !== undefined) p.invalidEach([...path, 'appProtocol'], appProtocol, qualifiedNameErrors(appProtocol));
}

function validateClientIPAffinity(config: unknown, path: Path, p: Problems): void {
  const clientIP = rec(rec(config)?.clientIP);
  if (!rec(config)) return p.required(path, 'when session affinity type is ClientIP');
  if (!clientIP) return p.required([...path, 'clientIP'], 'when session affinity type is ClientIP');
  const timeout = num(clientIP.timeoutSeconds);
  if (timeout === undefined) return p.required([...path, 'clientIP', 'timeoutSeconds'], 'when session affinity type is ClientIP');
  if (timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS)
    p.invalid([...path, 'clientIP', 'timeoutSeconds'], timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`);
}

/** ValidateServiceClusterIPsRelatedFields, plus the allocator's "in range" check. */
function validateClusterIPs(spec: Rec, clusterIP: string, clusterIPs: string[], ctx: ValidationContext, p: Problems): void {
  const sp: Path = ['spec'];
  if (clusterIP !== '' && clusterIP !== 'None') {
    if (parseIP(clusterIP)) checkInServiceCIDR(clusterIP, [...sp, 'clusterIP'], ctx, p);
    else p.invalidEach([...sp, 'clusterIP'], clusterIP, ipErrors(clusterIP));
  }
  if (clusterIPs.length > 0) {
    if (clusterIP === '') p.invalid([...sp, 'clusterIPs'], clusterIPs, 'must be empty when `clusterIP` is not specified');
    else if (clusterIPs[0] !== clusterIP) p.invalid([...sp, 'clusterIPs'], clusterIPs, 'first value must match `clusterIP`');
    clusterIPs.forEach((ip, i) => {
      if (i === 0 && ip === 'None') {
        if (clusterIPs.length > 1) p.invalid([...sp, 'clusterIPs'], clusterIPs, "'None' must be the first and only value");
        return;
      }
      if (i === 0 && ip === clusterIP) return; // reported on clusterIP
      p.invalidEach([...sp, 'clusterIPs', i], ip, ipErrors(ip));
    });
    if (clusterIPs.length > 2) p.invalid([...sp, 'clusterIPs'], clusterIPs, 'may only hold up to 2 values');
    else if (clusterIPs.length === 2) {
      const [a, b] = clusterIPs.map((ip) => parseIP(ip));
      if (a && b && a.family === b.family) p.invalid([...sp, 'clusterIPs'], clusterIPs, 'may specify no more than one IP for each IP family');
    }
  }
  const seen = new Set<string>();
  list(spec.ipFamilies).forEach((f, i) => {
    if (typeof f !== 'string') return;
    if (!IP_FAMILIES.includes(f)) p.unsupported([...sp, 'ipFamilies', i], f, IP_FAMILIES);
    if (seen.has(f)) p.duplicate([...sp, 'ipFamilies', i], f);
    seen.add(f);
  });
  const policy = str(spec.ipFamilyPolicy);
  if (policy !== undefined && !IP_FAMILY_POLICIES.includes(policy)) p.unsupported([...sp, 'ipFamilyPolicy'], policy, IP_FAMILY_POLICIES);
}

function checkInServiceCIDR(ip: string, path: Path, ctx: ValidationContext, p: Problems): void {
  const cidr = parseCIDR(ctx.serviceCIDR);
  if (cidr && !cidr.contains(ip))
    p.invalid(
      path,
      ip,
      `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr.toString()}`,
    );
}

function validateNodePorts(ports: unknown[], type: string | undefined, ctx: ValidationContext, p: Problems): void {
  const { base, size } = ctx.nodePortRange;
  const last = base + size - 1;
  const seen = new Set<string>();
  ports.forEach((raw, i) => {
    const port = rec(raw) ?? {};
    const nodePort = num(port.nodePort) ?? 0;
    if (nodePort === 0) return;
    const path: Path = ['spec', 'ports', i, 'nodePort'];
    if (type === 'ClusterIP') p.forbidden(path, "may not be used when `type` is 'ClusterIP'");
    else if (type === 'NodePort' || type === 'LoadBalancer') {
      const numErrors = portNumErrors(nodePort);
      if (numErrors.length) p.invalidEach(path, nodePort, numErrors);
      else if (nodePort < base || nodePort > last)
        p.invalid(path, nodePort, `provided port is not in the valid range. The range of valid ports is ${base}-${last}`);
    }
    const key = `${nodePort}/${str(port.protocol) ?? ''}`;
    if (seen.has(key)) p.duplicate(path, nodePort);
    seen.add(key);
  });
}

function validateTrafficPolicies(spec: Rec, type: string | undefined, ctx: ValidationContext, p: Problems): void {
  const sp: Path = ['spec'];
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && list(spec.externalIPs).length > 0);
  const etp = str(spec.externalTrafficPolicy) ?? '';
  if (!externallyAccessible) {
    if (etp !== '') p.invalid([...sp, 'externalTrafficPolicy'], etp, 'may only be set for externally-accessible services');
  } else if (etp === '') p.required([...sp, 'externalTrafficPolicy']);
  else if (!TRAFFIC_POLICIES.includes(etp)) p.unsupported([...sp, 'externalTrafficPolicy'], etp, TRAFFIC_POLICIES);

  // healthCheckNodePort is allocated when absent, so only a given value is checked here.
  const hc = num(spec.healthCheckNodePort) ?? 0;
  const needsHealthCheck = type === 'LoadBalancer' && etp === 'Local';
  if (hc !== 0) {
    if (!needsHealthCheck)
      p.invalid([...sp, 'healthCheckNodePort'], hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'");
    else {
      const errs = portNumErrors(hc);
      const { base, size } = ctx.nodePortRange;
      if (errs.length) p.invalidEach([...sp, 'healthCheckNodePort'], hc, errs);
      else if (hc < base || hc > base + size - 1)
        p.invalid([...sp, 'healthCheckNodePort'], hc, `provided port is not in the valid range. The range of valid ports is ${base}-${base + size - 1}`);
    }
  }

  const itp = str(spec.internalTrafficPolicy);
  if (itp === undefined) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') p.required([...sp, 'internalTrafficPolicy']);
  } else if (!TRAFFIC_POLICIES.includes(itp)) p.unsupported([...sp, 'internalTrafficPolicy'], itp, TRAFFIC_POLICIES);
}

/** ValidateLoadBalancerStatus (Service and Ingress status). */
export function validateLoadBalancerStatus(lb: Rec | undefined, path: Path, p: Problems): void {
  list(lb?.ingress).forEach((raw, i) => {
    const ing = rec(raw) ?? {};
    const at: Path = [...path, 'ingress', i];
    const ip = str(ing.ip);
    if (ip) p.invalidEach([...at, 'ip'], ip, ipErrors(ip));
    const hostname = str(ing.hostname);
    if (hostname) {
      p.invalidEach([...at, 'hostname'], hostname, dns1123SubdomainErrors(hostname));
      if (parseIP(hostname)) p.invalid([...at, 'hostname'], hostname, 'must be a DNS name, not an IP address');
    }
    const ipMode = str(ing.ipMode);
    if (ipMode !== undefined) {
      if (!ip) p.forbidden([...at, 'ipMode'], 'may not be specified when `ip` is not set');
      else if (ipMode !== 'VIP' && ipMode !== 'Proxy') p.unsupported([...at, 'ipMode'], ipMode, ['Proxy', 'VIP']);
    }
  });
}
