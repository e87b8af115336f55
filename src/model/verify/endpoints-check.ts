/**
 * `endpoints: {service: ns/name, port?: portName}` → expect a list of "ip:port": the Service's ready
 * endpoints as EndpointSlices publish them (what kube-proxy and DNS consume), order-insensitive.
 */
import type { ClusterView } from '../../cluster/view.ts';
import { CheckArgumentError, parseNamespacedName, sameMultiset, type CheckKind, type CheckOutcome } from './check.ts';

export const endpointsCheck: CheckKind = {
  evaluate(view: ClusterView, args: unknown, expect: unknown): CheckOutcome {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new CheckArgumentError('endpoints', 'must be a mapping with "service" (and optional "port")');
    const { service, port, ...rest } = args as Record<string, unknown>;
    for (const k of Object.keys(rest)) throw new CheckArgumentError(`endpoints.${k}`, 'unknown field (allowed: service, port)');
    const ref = parseNamespacedName(service, 'endpoints.service');
    if (port !== undefined && typeof port !== 'string') throw new CheckArgumentError('endpoints.port', 'must be the name of a Service port');
    if (!Array.isArray(expect) || !expect.every((e) => typeof e === 'string')) throw new CheckArgumentError('expect', 'must be a list of "ip:port" strings');
    const expected = [...(expect as string[])].sort();

    const svc = view.service(ref.namespace, ref.name);
    if (!svc) return { passed: false, expected, actual: null, message: `service ${ref.namespace}/${ref.name} not found` };
    const ports = svc.spec.ports ?? [];
    const svcPort = port === undefined ? ports[0] : ports.find((p) => (p.name ?? '') === port);
    if (port !== undefined && !svcPort) {
      return { passed: false, expected, actual: null, message: `service ${ref.namespace}/${ref.name} has no port named ${JSON.stringify(port)} (ports: ${ports.map((p) => p.name ?? '""').join(', ')})` };
    }
    if (port === undefined && ports.length > 1) {
      throw new CheckArgumentError('endpoints.port', `service ${ref.namespace}/${ref.name} has ${ports.length} ports: name one with "port"`);
    }
    const actual = readyEndpoints(view, ref.namespace, ref.name, svcPort?.name ?? '', svcPort?.protocol ?? 'TCP');
    const passed = sameMultiset(expected, actual);
    return {
      passed,
      expected,
      actual,
      message: passed ? `${actual.length} ready endpoint(s)` : `expected [${expected.join(', ')}], got [${actual.join(', ')}]`,
    };
  },
};

/**
 * Ready "ip:port" endpoints of one Service port, read from its EndpointSlices (slice ports bind to
 * Service ports by name and protocol; nil `ready` means ready, as consumers must assume).
 */
export function readyEndpoints(view: ClusterView, namespace: string, service: string, portName: string, protocol: string): string[] {
  const out = new Set<string>();
  for (const slice of view.slicesForService(namespace, service)) {
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!sp || sp.port === undefined || sp.port === null) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses) out.add(`${ip}:${sp.port}`);
    }
  }
  return [...out].sort();
}
