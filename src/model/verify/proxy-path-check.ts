/**
 * `proxyPath: {from: ns/pod|node/NAME | fromIP: IP, node?: NAME, toIP, port, protocol?, mode?}` →
 * `expect: {backends: ["ip:port", …], masquerade?: bool}` or `expect: {verdict: reject|drop|pass}`:
 * what the node's kube-proxy does with a new connection (model/service decide()). `masquerade`
 * means the backend sees the node's address whichever backend is chosen.
 */
import { isIP } from '../../api/cidr.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { buildProxyPlan, decide, ProxyClientError, resolveProxyClient, type ProxyMode } from '../service/index.ts';
import { CheckArgumentError, sameMultiset, type CheckKind, type CheckOutcome } from './check.ts';

const ARGS = ['from', 'fromIP', 'node', 'toIP', 'port', 'protocol', 'mode'];
const VERDICTS = ['dnat', 'reject', 'drop', 'pass'] as const;
const MODES: readonly ProxyMode[] = ['iptables', 'nftables', 'ipvs'];

interface ProxyPathExpect {
  verdict?: (typeof VERDICTS)[number];
  backends?: string[];
  masquerade?: boolean;
}

function parseArgs(args: unknown): { from: string; node?: string; toIP: string; port: number; protocol: 'TCP' | 'UDP' | 'SCTP'; mode?: ProxyMode } {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new CheckArgumentError('proxyPath', `must be a mapping with ${ARGS.join(', ')}`);
  const a = args as Record<string, unknown>;
  for (const k of Object.keys(a)) if (!ARGS.includes(k)) throw new CheckArgumentError(`proxyPath.${k}`, `unknown field (allowed: ${ARGS.join(', ')})`);
  if ((a.from === undefined) === (a.fromIP === undefined)) throw new CheckArgumentError('proxyPath.from', 'exactly one of "from" (ns/pod or node/NAME) and "fromIP" is required');
  if (a.from !== undefined && (typeof a.from !== 'string' || !/^[^/]+\/[^/]+$/.test(a.from))) throw new CheckArgumentError('proxyPath.from', 'must be "namespace/pod" or "node/NAME"');
  if (a.fromIP !== undefined && (typeof a.fromIP !== 'string' || !isIP(a.fromIP))) throw new CheckArgumentError('proxyPath.fromIP', 'must be an IP address');
  if (a.node !== undefined && typeof a.node !== 'string') throw new CheckArgumentError('proxyPath.node', 'must be a node name');
  if (typeof a.toIP !== 'string' || !isIP(a.toIP)) throw new CheckArgumentError('proxyPath.toIP', 'Required value: an IP address (ClusterIP, external IP, LB IP or node IP)');
  if (typeof a.port !== 'number' || !Number.isInteger(a.port) || a.port < 1 || a.port > 65535) throw new CheckArgumentError('proxyPath.port', 'Required value: a port number (1-65535)');
  const protocol = a.protocol ?? 'TCP';
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') throw new CheckArgumentError('proxyPath.protocol', `Unsupported value: ${JSON.stringify(a.protocol)}: supported values: "TCP", "UDP", "SCTP"`);
  if (a.mode !== undefined && !MODES.includes(a.mode as ProxyMode)) throw new CheckArgumentError('proxyPath.mode', `Unsupported value: ${JSON.stringify(a.mode)}: supported values: ${MODES.map((m) => `"${m}"`).join(', ')}`);
  return {
    from: (a.from ?? a.fromIP) as string,
    ...(a.node !== undefined ? { node: a.node as string } : {}),
    toIP: a.toIP, port: a.port, protocol,
    ...(a.mode !== undefined ? { mode: a.mode as ProxyMode } : {}),
  };
}

function parseExpect(expect: unknown): ProxyPathExpect {
  if (expect === null || typeof expect !== 'object' || Array.isArray(expect)) throw new CheckArgumentError('expect', 'must be {backends: ["ip:port", …], masquerade: bool} or {verdict: reject|drop|pass}');
  const e = expect as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!['verdict', 'backends', 'masquerade'].includes(k)) throw new CheckArgumentError(`expect.${k}`, 'unknown field (allowed: verdict, backends, masquerade)');
  if (e.verdict !== undefined && !VERDICTS.includes(e.verdict as ProxyPathExpect['verdict'] & string)) throw new CheckArgumentError('expect.verdict', `Unsupported value: ${JSON.stringify(e.verdict)}: supported values: ${VERDICTS.map((v) => `"${v}"`).join(', ')}`);
  if (e.backends !== undefined && (!Array.isArray(e.backends) || !e.backends.every((b) => typeof b === 'string' && /^\d+\.\d+\.\d+\.\d+:\d+$/.test(b)))) throw new CheckArgumentError('expect.backends', 'must be a list of "ip:port" strings');
  if (e.masquerade !== undefined && typeof e.masquerade !== 'boolean') throw new CheckArgumentError('expect.masquerade', 'must be true or false');
  if (e.verdict === undefined && e.backends === undefined) throw new CheckArgumentError('expect', 'needs "backends" or "verdict"');
  if (e.backends !== undefined && e.verdict !== undefined && e.verdict !== 'dnat') throw new CheckArgumentError('expect.verdict', `"backends" implies verdict dnat, got ${JSON.stringify(e.verdict)}`);
  return e as ProxyPathExpect;
}

export const proxyPathCheck: CheckKind = {
  evaluate(view: ClusterView, args: unknown, expect: unknown): CheckOutcome {
    const a = parseArgs(args);
    const want = parseExpect(expect);
    const expected = { ...(want.verdict ? { verdict: want.verdict } : { verdict: 'dnat' }), ...(want.backends ? { backends: [...want.backends].sort() } : {}), ...(want.masquerade !== undefined ? { masquerade: want.masquerade } : {}) };
    let client;
    try {
      client = resolveProxyClient(view, a.from, a.node);
    } catch (err) {
      if (err instanceof ProxyClientError) return { passed: false, expected, actual: null, message: err.message };
      throw err;
    }
    const plan = buildProxyPlan(view, client.node, a.mode ? { mode: a.mode } : {});
    if (!plan) return { passed: false, expected, actual: null, message: `node ${client.node} not found` };
    const d = decide(plan, { src: client.src, dst: a.toIP, protocol: a.protocol, port: a.port });
    const backends = d.backends.map((b) => b.target).sort();
    const masquerade = d.verdict === 'dnat' && (d.masquerade || d.backends.every((b) => b.masquerade));
    const actual = d.verdict === 'dnat' ? { verdict: d.verdict, backends, masquerade } : { verdict: d.verdict };
    const verdictOK = d.verdict === (want.verdict ?? 'dnat');
    const backendsOK = !want.backends || (d.verdict === 'dnat' && sameMultiset(want.backends, backends));
    const masqOK = want.masquerade === undefined || (d.verdict === 'dnat' && masquerade === want.masquerade);
    const passed = verdictOK && backendsOK && masqOK;
    const where = `${client.name} -> ${a.toIP}:${a.port}/${a.protocol} on ${plan.node} (${plan.mode})`;
    const got = d.verdict === 'dnat' ? `DNAT to [${backends.join(', ')}], masquerade ${masquerade}` : d.verdict;
    return { passed, expected, actual, message: passed ? `${where}: ${got}` : `${where}: got ${got}: ${d.reason}` };
  },
};
