/**
 * `reach: {from, to, port, protocol?}` (aliases `fromIP`, `toIP`) → expect `allow` or `deny`: the
 * NetworkPolicy verdict of one flow, as `podnet reach` answers it (Service IPs judged after DNAT).
 */
import type { Protocol } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { EndpointRefError, reach } from '../policy/index.ts';
import { CheckArgumentError, type CheckKind, type CheckOutcome } from './check.ts';

const FIELDS = ['from', 'fromIP', 'to', 'toIP', 'port', 'protocol'];
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export const reachCheck: CheckKind = {
  evaluate(view: ClusterView, args: unknown, expect: unknown): CheckOutcome {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new CheckArgumentError('reach', 'must be a mapping with from, to, port (and optional protocol)');
    const a = args as Record<string, unknown>;
    for (const k of Object.keys(a)) if (!FIELDS.includes(k)) throw new CheckArgumentError(`reach.${k}`, `unknown field (allowed: ${FIELDS.join(', ')})`);
    const end = (name: 'from' | 'to'): string => {
      const v = a[name] ?? a[`${name}IP`];
      if (a[name] !== undefined && a[`${name}IP`] !== undefined) throw new CheckArgumentError(`reach.${name}IP`, `give either ${name} or ${name}IP, not both`);
      if (typeof v !== 'string' || v === '') throw new CheckArgumentError(`reach.${name}`, 'Required value: ns/pod, node/NAME or an IP address');
      return v;
    };
    const from = end('from');
    const to = end('to');
    if (typeof a.port !== 'number' || !Number.isInteger(a.port) || a.port < 1 || a.port > 65535) throw new CheckArgumentError('reach.port', 'must be a port number between 1 and 65535');
    const protocol = (a.protocol ?? 'TCP') as Protocol;
    if (!PROTOCOLS.includes(protocol)) throw new CheckArgumentError('reach.protocol', `Unsupported value: ${JSON.stringify(a.protocol)}: supported values: "TCP", "UDP", "SCTP"`);
    if (expect !== 'allow' && expect !== 'deny') throw new CheckArgumentError('expect', 'must be "allow" or "deny"');
    let result;
    try {
      result = reach(view, { from, to, port: a.port, protocol });
    } catch (err) {
      if (err instanceof EndpointRefError) return { passed: false, expected: expect, actual: null, message: err.message };
      throw err;
    }
    const actual = result.allowed ? 'allow' : 'deny';
    const reasons = result.hops.map((h) => `egress: ${h.decision.egress.reason}; ingress: ${h.decision.ingress.reason}`);
    const message = [`${from} -> ${to} ${a.port}/${protocol}: ${actual === 'allow' ? 'allowed' : 'denied'}`, ...reasons, ...result.notes].join('; ');
    return { passed: actual === expect, expected: expect, actual, message };
  },
};
