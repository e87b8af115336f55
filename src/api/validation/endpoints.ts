/**
 * Endpoints (core/v1 ValidateEndpoints) and EndpointSlice (discovery ValidateEndpointSlice) validation.
 */
import { parseIP } from '../cidr.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors, ipErrors, portNumErrors, qualifiedNameErrors, specialIPErrors } from './formats.ts';
import { validateLabels } from './meta.ts';
import type { Path, Problems } from './problems.ts';
import { has, list, num, rec, str, type Rec } from './values.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;
const MAX_TOPOLOGY_LABELS = 16;

export function validateEndpointSlice(obj: Rec, p: Problems): void {
  const addressType = str(obj.addressType);
  if (!addressType) p.required(['addressType']);
  else if (!ADDRESS_TYPES.includes(addressType)) p.unsupported(['addressType'], addressType, ADDRESS_TYPES);

  const endpoints = list(obj.endpoints);
  if (endpoints.length > MAX_ENDPOINTS) p.tooMany(['endpoints'], endpoints.length, MAX_ENDPOINTS);
  else
    endpoints.forEach((raw, i) => {
      const ep = rec(raw) ?? {};
      const at: Path = ['endpoints', i];
      const addresses = list(ep.addresses);
      if (addresses.length === 0) p.required([...at, 'addresses'], 'must contain at least 1 address');
      else if (addresses.length > MAX_ADDRESSES) p.tooMany([...at, 'addresses'], addresses.length, MAX_ADDRESSES);
      addresses.forEach((a, j) => {
        if (typeof a === 'string') validateSliceAddress(a, addressType, [...at, 'addresses', j], p);
      });
      const nodeName = str(ep.nodeName);
      if (nodeName !== undefined) p.invalidEach([...at, 'nodeName'], nodeName, dns1123SubdomainErrors(nodeName));
      const hostname = str(ep.hostname);
      if (hostname !== undefined) p.invalidEach([...at, 'hostname'], hostname, dns1123LabelErrors(hostname));
      const topology = rec(ep.deprecatedTopology);
      if (topology) {
        const n = Object.keys(topology).length;
        if (n > MAX_TOPOLOGY_LABELS) p.tooMany([...at, 'deprecatedTopology'], n, MAX_TOPOLOGY_LABELS);
        validateLabels(topology, [...at, 'deprecatedTopology'], p);
      }
    });

  const ports = list(obj.ports);
  if (ports.length > MAX_PORTS) return p.tooMany(['ports'], ports.length, MAX_PORTS);
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const port = rec(raw) ?? {};
    const at: Path = ['ports', i];
    const name = str(port.name) ?? '';
    if (name !== '') p.invalidEach([...at, 'name'], name, dns1123LabelErrors(name));
    if (names.has(name)) p.duplicate([...at, 'name'], name);
    names.add(name);
    const protocol = str(port.protocol);
    if (!protocol) p.required([...at, 'protocol']);
    else if (!PROTOCOLS.includes(protocol)) p.unsupported([...at, 'protocol'], protocol, PROTOCOLS);
    const number = num(port.port);
    if (number !== undefined) p.invalidEach([...at, 'port'], number, portNumErrors(number));
    const appProtocol = str(port.appProtocol);
    if (appProtocol !== undefined) p.invalidEach([...at, 'appProtocol'], appProtocol, qualifiedNameErrors(appProtocol));
  });
}

function validateSliceAddress(address: string, addressType: string | undefined, path: Path, p: Problems): void {
  if (addressType === 'IPv4' || addressType === 'IPv6') {
    const ip = parseIP(address);
    const want = addressType === 'IPv4' ? 4 : 6;
    if (!ip || ip.family !== want) p.invalid(path, address, `must be a valid ${addressType} address`);
    else p.invalidEach(path, address, specialIPErrors(address));
  } else if (addressType === 'FQDN') {
    // IsFullyQualifiedDomainName: a subdomain with at least two segments; a trailing dot is allowed.
    const name = address.replace(/\.$/, '');
    if (name === '') return p.required(path);
    const errs = dns1123SubdomainErrors(name);
    if (errs.length) p.invalid(path, name, errs.join(','));
    else if (name.split('.').length < 2) p.invalid(path, name, 'should be a domain with at least two segments separated by dots');
  }
}

export function validateEndpoints(obj: Rec, p: Problems): void {
  list(obj.subsets).forEach((raw, i) => {
    const subset = rec(raw) ?? {};
    const at: Path = ['subsets', i];
    const addresses = list(subset.addresses);
    const notReady = list(subset.notReadyAddresses);
    if (addresses.length === 0 && notReady.length === 0) p.required(at, 'must specify `addresses` or `notReadyAddresses`');
    for (const [field, items] of [['addresses', addresses], ['notReadyAddresses', notReady]] as const) {
      items.forEach((a, j) => validateEndpointAddress(rec(a) ?? {}, [...at, field, j], p));
    }
    const ports = list(subset.ports);
    const names = new Set<string>();
    ports.forEach((rp, j) => {
      const port = rec(rp) ?? {};
      const pp: Path = [...at, 'ports', j];
      const name = str(port.name) ?? '';
      if (ports.length > 1 && name === '') p.required([...pp, 'name']);
      else if (name !== '') {
        p.invalidEach([...pp, 'name'], name, dns1123LabelErrors(name));
        if (names.has(name)) p.duplicate([...pp, 'name'], name);
        names.add(name);
      }
      const number = num(port.port) ?? 0;
      p.invalidEach([...pp, 'port'], number, portNumErrors(number));
      const protocol = str(port.protocol);
      if (!protocol) p.required([...pp, 'protocol']);
      else if (!PROTOCOLS.includes(protocol)) p.unsupported([...pp, 'protocol'], protocol, PROTOCOLS);
      const appProtocol = str(port.appProtocol);
      if (appProtocol !== undefined) p.invalidEach([...pp, 'appProtocol'], appProtocol, qualifiedNameErrors(appProtocol));
    });
  });
}

function validateEndpointAddress(address: Rec, path: Path, p: Problems): void {
  const ip = str(address.ip) ?? '';
  const errs = ipErrors(ip);
  if (errs.length) p.invalidEach([...path, 'ip'], ip, errs);
  else p.invalidEach([...path, 'ip'], ip, specialIPErrors(ip));
  const hostname = str(address.hostname);
  if (hostname) p.invalidEach([...path, 'hostname'], hostname, dns1123LabelErrors(hostname));
  if (has(address, 'nodeName')) {
    const nodeName = str(address.nodeName) ?? '';
    p.invalidEach([...path, 'nodeName'], nodeName, dns1123SubdomainErrors(nodeName));
  }
}
