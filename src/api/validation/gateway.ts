/**
 * Gateway API validation: the CRDs' OpenAPI constraints (enums, ranges, patterns, list sizes) and CEL
 * rules of gateway.networking.k8s.io/v1, reported in the API server's words for CRDs
 * (`<path> in body should be ...`; CEL messages as `Invalid value: "array": <message>`).
 */
import { formatFieldPath } from '../errors.ts';
import { validateLabelSelector } from './meta.ts';
import type { Path, Problems } from './problems.ts';
import { has, list, num, rec, str, type Rec } from './values.ts';

const LISTENER_PROTOCOLS = ['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'];
const PATH_MATCH_TYPES = ['Exact', 'PathPrefix', 'RegularExpression'];
const STRING_MATCH_TYPES = ['Exact', 'RegularExpression'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
const FILTER_TYPES = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'RequestRedirect', 'URLRewrite', 'ExtensionRef', 'CORS', 'ExternalAuth'];
const FILTER_FIELDS: Record<string, string> = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  ExtensionRef: 'extensionRef',
  CORS: 'cors',
  ExternalAuth: 'externalAuth',
};
const REDIRECT_CODES = [301, 302, 303, 307, 308];
const FROM_NAMESPACES = ['All', 'Selector', 'Same'];
const TLS_MODES = ['Terminate', 'Passthrough'];

const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOSTNAME_FMT = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const HEADER_NAME_FMT = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";
const CONTROLLER_NAME_FMT = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$";
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;
// A domain-prefixed, implementation-specific protocol (`example.com/proto`) is allowed by the CRD.
const PREFIXED_PROTOCOL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/;

/** The CRD (OpenAPI) error vocabulary. */
function outOfRange(p: Problems, path: Path, v: number, min: number, max: number): void {
  if (v < min) p.invalid(path, v, `${formatFieldPath(path)} in body should be greater than or equal to ${min}`);
  else if (v > max) p.invalid(path, v, `${formatFieldPath(path)} in body should be less than or equal to ${max}`);
}

function pattern(p: Problems, path: Path, v: string, fmt: string): void {
  if (!new RegExp(fmt).test(v)) p.invalid(path, v, `${formatFieldPath(path)} in body should match '${fmt}'`);
}

function maxItems(p: Problems, path: Path, items: unknown[], max: number): boolean {
  if (items.length <= max) return true;
  p.tooMany(path, items.length, max);
  return false;
}

function requiredString(p: Problems, obj: Rec, field: string, path: Path): string | undefined {
  const v = str(obj[field]);
  if (v === undefined || v === '') {
    p.required([...path, field]);
    return undefined;
  }
  return v;
}

function cel(p: Problems, path: Path, value: 'array' | 'object' | 'string', message: string): void {
  p.invalid(path, value, message);
}

export function validateGatewayClass(obj: Rec, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  const name = requiredString(p, spec, 'controllerName', ['spec']);
  if (name !== undefined) pattern(p, ['spec', 'controllerName'], name, CONTROLLER_NAME_FMT);
}

export function validateGateway(obj: Rec, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  const sp: Path = ['spec'];
  requiredString(p, spec, 'gatewayClassName', sp);
  const listeners = list(spec.listeners);
  const lp: Path = [...sp, 'listeners'];
  if (!has(spec, 'listeners')) p.required(lp);
  else if (listeners.length === 0) p.invalid(lp, 0, `${formatFieldPath(lp)} in body should have at least 1 items`);
  if (!maxItems(p, lp, listeners, 64)) return;
  const ls = listeners.map((l) => rec(l) ?? {});
  ls.forEach((l, i) => validateListener(l, [...lp, i], p));
  const proto = (l: Rec): string => (str(l.protocol) ?? '').toUpperCase();
  if (ls.some((l) => ['HTTP', 'TCP', 'UDP'].includes(proto(l)) && has(l, 'tls'))) cel(p, lp, 'array', "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
  if (ls.some((l) => proto(l) === 'HTTPS' && has(l, 'tls') && !['', 'Terminate', undefined].includes(str(rec(l.tls)?.mode))))
    cel(p, lp, 'array', 'tls mode must be Terminate for protocol HTTPS');
  if (ls.some((l) => proto(l) === 'TLS' && !str(rec(l.tls)?.mode))) cel(p, lp, 'array', 'tls mode must be set for protocol TLS');
  if (ls.some((l) => ['TCP', 'UDP'].includes(proto(l)) && !!str(l.hostname))) cel(p, lp, 'array', "hostname must not be specified for protocols ['TCP', 'UDP']");
  const names = ls.map((l) => str(l.name));
  if (names.some((n, i) => names.indexOf(n) !== i)) cel(p, lp, 'array', 'Listener name must be unique within the Gateway');
  const combos = ls.map((l) => JSON.stringify([l.port, l.protocol, has(l, 'hostname') ? l.hostname : null]));
  if (combos.some((c, i) => combos.indexOf(c) !== i)) cel(p, lp, 'array', 'Combination of port, protocol and hostname must be unique for each listener');
  const addresses = list(spec.addresses);
  maxItems(p, [...sp, 'addresses'], addresses, 16);
}

function validateListener(l: Rec, at: Path, p: Problems): void {
  const name = requiredString(p, l, 'name', at);
  if (name !== undefined) {
    if (name.length > 253) p.add([...at, 'name'], 'Too long: may not be more than 253 bytes');
    pattern(p, [...at, 'name'], name, SECTION_NAME.source);
  }
  const hostname = str(l.hostname);
  if (hostname !== undefined) pattern(p, [...at, 'hostname'], hostname, HOSTNAME_FMT);
  const port = num(l.port);
  if (port === undefined) p.required([...at, 'port']);
  else outOfRange(p, [...at, 'port'], port, 1, 65535);
  const protocol = requiredString(p, l, 'protocol', at);
  if (protocol !== undefined && !LISTENER_PROTOCOLS.includes(protocol) && !PREFIXED_PROTOCOL.test(protocol))
    p.unsupported([...at, 'protocol'], protocol, LISTENER_PROTOCOLS);
  const tls = rec(l.tls);
  const mode = str(tls?.mode);
  if (mode !== undefined && !TLS_MODES.includes(mode)) p.unsupported([...at, 'tls', 'mode'], mode, TLS_MODES);
  if (tls) maxItems(p, [...at, 'tls', 'certificateRefs'], list(tls.certificateRefs), 64);
  const namespaces = rec(rec(l.allowedRoutes)?.namespaces);
  const from = str(namespaces?.from);
  if (from !== undefined && !FROM_NAMESPACES.includes(from)) p.unsupported([...at, 'allowedRoutes', 'namespaces', 'from'], from, FROM_NAMESPACES);
  if (namespaces && has(namespaces, 'selector')) validateLabelSelector(namespaces.selector, [...at, 'allowedRoutes', 'namespaces', 'selector'], p);
  maxItems(p, [...at, 'allowedRoutes', 'kinds'], list(rec(l.allowedRoutes)?.kinds), 8);
}

export function validateHTTPRoute(obj: Rec, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  const sp: Path = ['spec'];
  const parentRefs = list(spec.parentRefs);
  if (maxItems(p, [...sp, 'parentRefs'], parentRefs, 32))
    parentRefs.forEach((raw, i) => {
      const ref = rec(raw) ?? {};
      const at: Path = [...sp, 'parentRefs', i];
      requiredString(p, ref, 'name', at);
      const section = str(ref.sectionName);
      if (section !== undefined) pattern(p, [...at, 'sectionName'], section, SECTION_NAME.source);
      const port = num(ref.port);
      if (port !== undefined) outOfRange(p, [...at, 'port'], port, 1, 65535);
    });
  const hostnames = list(spec.hostnames);
  if (maxItems(p, [...sp, 'hostnames'], hostnames, 16))
    hostnames.forEach((h, i) => {
      if (typeof h === 'string') pattern(p, [...sp, 'hostnames', i], h, HOSTNAME_FMT);
    });
  const rules = list(spec.rules);
  if (!maxItems(p, [...sp, 'rules'], rules, 16)) return;
  rules.forEach((raw, i) => validateRule(rec(raw) ?? {}, [...sp, 'rules', i], p));
}

function validateRule(rule: Rec, at: Path, p: Problems): void {
  const matches = list(rule.matches);
  if (maxItems(p, [...at, 'matches'], matches, 64)) matches.forEach((m, i) => validateMatch(rec(m) ?? {}, [...at, 'matches', i], p));
  const filters = list(rule.filters);
  if (maxItems(p, [...at, 'filters'], filters, 16)) validateFilters(filters, [...at, 'filters'], p);
  const backendRefs = list(rule.backendRefs);
  if (!maxItems(p, [...at, 'backendRefs'], backendRefs, 16)) return;
  backendRefs.forEach((raw, i) => {
    const ref = rec(raw) ?? {};
    const bp: Path = [...at, 'backendRefs', i];
    validateBackendObjectRef(ref, bp, p);
    const weight = num(ref.weight);
    if (weight !== undefined) outOfRange(p, [...bp, 'weight'], weight, 0, 1000000);
    const filters = list(ref.filters);
    if (maxItems(p, [...bp, 'filters'], filters, 16)) validateFilters(filters, [...bp, 'filters'], p);
  });
}

function validateBackendObjectRef(ref: Rec, at: Path, p: Problems): void {
  requiredString(p, ref, 'name', at);
  const port = num(ref.port);
  if (port !== undefined) outOfRange(p, [...at, 'port'], port, 1, 65535);
  const group = str(ref.group) ?? '';
  const kind = str(ref.kind) ?? 'Service';
  if (group === '' && kind === 'Service' && port === undefined) cel(p, at, 'object', 'Must have port for Service reference');
}

function validateMatch(match: Rec, at: Path, p: Problems): void {
  const path = rec(match.path);
  if (path) {
    const pp: Path = [...at, 'path'];
    const type = str(path.type);
    const value = str(path.value) ?? '';
    if (type !== undefined && !PATH_MATCH_TYPES.includes(type)) p.unsupported([...pp, 'type'], type, PATH_MATCH_TYPES);
    if (value.length > 1024) p.add([...pp, 'value'], 'Too long: may not be more than 1024 bytes');
    if (type === 'Exact' || type === 'PathPrefix') {
      const when = " when type one of ['Exact', 'PathPrefix']";
      if (!value.startsWith('/')) cel(p, pp, 'object', `value must be an absolute path and start with '/'${when}`);
      for (const seq of ['//', '/./', '/../', '%2f', '%2F', '#']) if (value.includes(seq)) cel(p, pp, 'object', `must not contain '${seq}'${when}`);
      for (const suffix of ['/..', '/.']) if (value.endsWith(suffix)) cel(p, pp, 'object', `must not end with '${suffix}'${when}`);
      if (value !== '' && !PATH_CHARS.test(value))
        cel(p, pp, 'object', `must only contain valid characters (matching ${PATH_CHARS.source}) for types ['Exact', 'PathPrefix']`);
    }
  }
  for (const field of ['headers', 'queryParams'] as const) {
    const items = list(match[field]);
    if (!maxItems(p, [...at, field], items, 16)) continue;
    const seen = new Set<string>();
    items.forEach((raw, i) => {
      const m = rec(raw) ?? {};
      const mp: Path = [...at, field, i];
      const type = str(m.type);
      if (type !== undefined && !STRING_MATCH_TYPES.includes(type)) p.unsupported([...mp, 'type'], type, STRING_MATCH_TYPES);
      const name = requiredString(p, m, 'name', mp);
      if (name !== undefined) {
        pattern(p, [...mp, 'name'], name, HEADER_NAME_FMT);
        // Header names compare case-insensitively; query parameter names exactly.
        const key = field === 'headers' ? name.toLowerCase() : name;
        if (seen.has(key)) p.duplicate([...mp, 'name'], name);
        seen.add(key);
      }
      if (!has(m, 'value')) p.required([...mp, 'value']);
    });
  }
  const method = str(match.method);
  if (method !== undefined && !METHODS.includes(method)) p.unsupported([...at, 'method'], method, METHODS);
}

function validateFilters(filters: unknown[], at: Path, p: Problems): void {
  const types = filters.map((f) => str(rec(f)?.type));
  filters.forEach((raw, i) => {
    const f = rec(raw) ?? {};
    const fp: Path = [...at, i];
    const type = str(f.type);
    if (type === undefined) return p.required([...fp, 'type']);
    if (!FILTER_TYPES.includes(type)) return p.unsupported([...fp, 'type'], type, FILTER_TYPES);
    for (const [t, field] of Object.entries(FILTER_FIELDS)) {
      if (t !== type && has(f, field)) cel(p, fp, 'object', `filter.${field} must be nil if the filter.type is not ${t}`);
    }
    const own = FILTER_FIELDS[type];
    if (!has(f, own) && type !== 'CORS') cel(p, fp, 'object', `filter.${own} must be specified for ${type} filter.type`);
    if (type === 'RequestRedirect') {
      const code = num(rec(f.requestRedirect)?.statusCode);
      if (code !== undefined && !REDIRECT_CODES.includes(code)) p.unsupported([...fp, 'requestRedirect', 'statusCode'], code, REDIRECT_CODES.map(String));
    }
    if (type === 'RequestMirror') {
      const ref = rec(rec(f.requestMirror)?.backendRef);
      if (ref) validateBackendObjectRef(ref, [...fp, 'requestMirror', 'backendRef'], p);
    }
  });
  if (types.includes('RequestRedirect') && types.includes('URLRewrite'))
    cel(p, at, 'array', 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both');
  for (const t of ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite']) {
    if (types.filter((x) => x === t).length > 1) cel(p, at, 'array', `${t} filter cannot be repeated`);
  }
}

export function validateReferenceGrant(obj: Rec, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  for (const [field, keys] of [['from', ['kind', 'namespace']], ['to', ['kind']]] as const) {
    const at: Path = ['spec', field];
    const items = list(spec[field]);
    if (!has(spec, field)) {
      p.required(at);
      continue;
    }
    if (items.length === 0) p.invalid(at, 0, `${formatFieldPath(at)} in body should have at least 1 items`);
    if (!maxItems(p, at, items, 16)) continue;
    items.forEach((raw, i) => {
      const item = rec(raw) ?? {};
      // group is required but may be "" (the core group).
      if (typeof item.group !== 'string') p.required([...at, i, 'group']);
      for (const k of keys) requiredString(p, item, k, [...at, i]);
    });
  }
}
