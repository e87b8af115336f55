/**
 * Ingress and IngressClass validation (pkg/apis/networking/validation): hosts, paths per pathType,
 * backends (exactly one of service/resource; service port exactly one of name/number), TLS hosts,
 * and the IngressClass controller name.
 */
import { parseIP } from '../cidr.ts';
import { dns1035LabelErrors, dns1123LabelErrors, dns1123SubdomainErrors, portNameErrors, portNumErrors, wildcardDNS1123SubdomainErrors } from './formats.ts';
import type { Path, Problems } from './problems.ts';
import { validateLoadBalancerStatus } from './service.ts';
import { has, list, num, rec, str, type Rec } from './values.ts';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const MAX_CONTROLLER_LENGTH = 250;

export function validateIngress(obj: Rec, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  const sp: Path = ['spec'];
  const rules = list(spec.rules);
  if (rules.length === 0 && !has(spec, 'defaultBackend')) p.invalid(sp, null, 'either `defaultBackend` or `rules` must be specified');
  if (has(spec, 'defaultBackend')) validateBackend(rec(spec.defaultBackend) ?? {}, [...sp, 'defaultBackend'], p);
  rules.forEach((raw, i) => {
    const rule = rec(raw) ?? {};
    const at: Path = [...sp, 'rules', i];
    const host = str(rule.host) ?? '';
    if (host !== '') {
      if (parseIP(host)) p.invalid([...at, 'host'], host, 'must be a DNS name, not an IP address');
      p.invalidEach([...at, 'host'], host, host.includes('*') ? wildcardDNS1123SubdomainErrors(host) : dns1123SubdomainErrors(host));
    }
    const http = rec(rule.http);
    if (!http) return;
    const paths = list(http.paths);
    if (paths.length === 0) p.required([...at, 'http', 'paths']);
    paths.forEach((rp, j) => validatePath(rec(rp) ?? {}, [...at, 'http', 'paths', j], p));
  });
  list(spec.tls).forEach((raw, i) => {
    const tls = rec(raw) ?? {};
    list(tls.hosts).forEach((h, j) => {
      if (typeof h !== 'string') return;
      p.invalidEach([...sp, 'tls', i, 'hosts', j], h, h.includes('*') ? wildcardDNS1123SubdomainErrors(h) : dns1123SubdomainErrors(h));
    });
    const secretName = str(tls.secretName);
    if (secretName) p.invalidEach([...sp, 'tls', i, 'secretName'], secretName, dns1123SubdomainErrors(secretName));
  });
  const className = str(spec.ingressClassName);
  if (className !== undefined) p.invalidEach([...sp, 'ingressClassName'], className, dns1123SubdomainErrors(className));
  const annotation = str(rec(rec(obj.metadata)?.annotations)?.[INGRESS_CLASS_ANNOTATION]);
  if (annotation !== undefined && className !== undefined && annotation !== className)
    p.invalid(['annotations', INGRESS_CLASS_ANNOTATION], annotation, 'must match `ingressClassName` when both are specified', ['metadata', 'annotations', INGRESS_CLASS_ANNOTATION]);
  validateLoadBalancerStatus(rec(rec(obj.status)?.loadBalancer), ['status', 'loadBalancer'], p);
}

function validatePath(path: Rec, at: Path, p: Problems): void {
  const pathType = str(path.pathType);
  if (!pathType) return p.required([...at, 'pathType'], 'pathType must be specified');
  const value = str(path.path) ?? '';
  switch (pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) p.invalid([...at, 'path'], value, 'must be an absolute path');
      if (value.length > 0) {
        for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) p.invalid([...at, 'path'], value, `must not contain '${seq}'`);
        for (const suffix of INVALID_PATH_SUFFIXES) if (value.endsWith(suffix)) p.invalid([...at, 'path'], value, `cannot end with '${suffix}'`);
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) p.invalid([...at, 'path'], value, 'must be an absolute path');
      break;
    default:
      p.unsupported([...at, 'pathType'], pathType, PATH_TYPES);
  }
  validateBackend(rec(path.backend) ?? {}, [...at, 'backend'], p);
}

function validateBackend(backend: Rec, at: Path, p: Problems): void {
  const service = rec(backend.service);
  const resource = rec(backend.resource);
  if (service && resource) return p.invalid(at, '', 'cannot set both resource and service backends');
  if (resource) return validateTypedReference(resource, [...at, 'resource'], p);
  if (!service) return p.invalid(at, '', 'resource or service backend is required');
  const name = str(service.name) ?? '';
  if (name === '') p.required([...at, 'service', 'name']);
  else p.invalidEach([...at, 'service', 'name'], name, dns1035LabelErrors(name));
  const port = rec(service.port) ?? {};
  const portName = str(port.name) ?? '';
  const portNumber = num(port.number) ?? 0;
  if (portName !== '' && portNumber !== 0) p.invalid(at, '', 'cannot set both port name & port number');
  else if (portName !== '') p.invalidEach([...at, 'service', 'port', 'name'], portName, portNameErrors(portName));
  else if (portNumber !== 0) p.invalidEach([...at, 'service', 'port', 'number'], portNumber, portNumErrors(portNumber));
  else p.required(at, 'port name or number is required');
}

function pathSegmentErrors(name: string): string[] {
  if (name === '.') return ["may not be '.'"];
  if (name === '..') return ["may not be '..'"];
  const errs: string[] = [];
  if (name.includes('/')) errs.push("may not contain '/'");
  if (name.includes('%')) errs.push("may not contain '%'");
  return errs;
}

function validateTypedReference(ref: Rec, at: Path, p: Problems): void {
  const apiGroup = str(ref.apiGroup);
  if (apiGroup !== undefined) p.invalidEach([...at, 'apiGroup'], apiGroup, dns1123SubdomainErrors(apiGroup));
  for (const field of ['kind', 'name'] as const) {
    const v = str(ref[field]) ?? '';
    if (v === '') p.required([...at, field]);
    else p.invalidEach([...at, field], v, pathSegmentErrors(v));
  }
}

export function validateIngressClass(obj: Rec, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  const controller = str(spec.controller) ?? '';
  const at: Path = ['spec', 'controller'];
  if (controller === '') p.required(at);
  else {
    if (controller.length > MAX_CONTROLLER_LENGTH) p.add(at, `Too long: may not be more than ${MAX_CONTROLLER_LENGTH} bytes`);
    // IsDomainPrefixedPath: `example.com/path`.
    const slash = controller.indexOf('/');
    if (slash <= 0 || slash === controller.length - 1) p.invalid(at, controller, 'must be a domain-prefixed path (such as "acme.io/foo")');
    else {
      const host = controller.slice(0, slash);
      p.invalidEach(at, host, dns1123SubdomainErrors(host));
      if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(controller.slice(slash + 1)))
        p.invalid(at, controller.slice(slash + 1), "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')");
    }
  }
  const params = rec(spec.parameters);
  if (!params) return;
  const pp: Path = ['spec', 'parameters'];
  validateTypedReference(params, pp, p);
  const scope = str(params.scope);
  if (scope === undefined) return p.required([...pp, 'scope']);
  if (scope !== 'Cluster' && scope !== 'Namespace') return p.unsupported([...pp, 'scope'], scope, ['Cluster', 'Namespace']);
  const namespace = str(params.namespace);
  if (scope === 'Namespace') {
    if (namespace === undefined) p.required([...pp, 'namespace'], "`parameters.scope` is set to 'Namespace'");
    else p.invalidEach([...pp, 'namespace'], namespace, dns1123LabelErrors(namespace));
  } else if (namespace !== undefined) p.forbidden([...pp, 'namespace'], "`parameters.scope` is set to 'Cluster'");
}
