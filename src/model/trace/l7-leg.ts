/**
 * The HTTP routing hop of a flow to a URL: which Ingress path or HTTPRoute rule takes the request
 * (model/l7), and the endpoint the proxy then opens a connection to. Ingress controllers balance over
 * a Service's endpoints themselves, so the next leg goes to a pod directly, not through the ClusterIP.
 * podnet's L7 proxy runs in a node's network namespace: the client's node, or the first node for
 * clients outside the cluster; backends therefore see that node's address as the source.
 */
import type { ClusterView } from '../../cluster/view.ts';
import { requestFromURL, RequestSyntaxError, routeRequest, type RouteDecision, type RouteTable } from '../l7/index.ts';
import { nodeTraceEndpoint, type TraceEndpoint } from './endpoints.ts';
import { TraceInputError, type TraceHop } from './types.ts';

export interface L7Leg {
  hops: TraceHop[];
  /** Where the proxied connection starts. */
  proxy?: TraceEndpoint;
  /** The endpoints the proxy balances over (it connects to one per request). */
  endpoints?: { ip: string; port: number; target: string }[];
  /** The proxy answers itself (redirect): the trace ends here, delivered. */
  answered?: boolean;
  failed: boolean;
  port: number;
}

function fixFor(d: RouteDecision): string | undefined {
  switch (d.reason) {
    case 'NoFrontend':
      return 'create an Ingress (of an IngressClass whose controller this cluster runs) or a Gateway with an HTTPRoute';
    case 'NoMatchingHost':
      return `add an Ingress rule with host ${d.host} (or a defaultBackend)`;
    case 'NoMatchingPath':
      return `add a path for this request under host ${d.hostPattern ?? d.host}, or a defaultBackend`;
    case 'NoMatchingListener':
      return 'use the port and scheme of a listener (podnet route --status lists them)';
    case 'NoMatchingRoute':
      return 'attach an HTTPRoute matching this request to the Gateway (podnet route --status shows why routes are not accepted)';
    default:
      return d.backends.some((b) => b.status === 503) ? `the backend Service has no ready endpoints: ${d.backends.map((b) => b.service).join(', ')}` : undefined;
  }
}

export function l7Leg(view: ClusterView, table: RouteTable, src: TraceEndpoint, url: string): L7Leg {
  let req;
  try {
    req = requestFromURL(url);
  } catch (err) {
    if (err instanceof RequestSyntaxError) throw new TraceInputError(err.message);
    throw err;
  }
  const proxyNode = src.node ?? view.nodes[0];
  const proxy = proxyNode ? nodeTraceEndpoint(view, proxyNode) : undefined;
  const d = routeRequest(table, req);
  const where = `${d.frontend || 'no frontend'}${proxy ? ` (proxy on ${proxy.label})` : ''}`;
  const hops: TraceHop[] = [];
  const matched = d.matched ? `${d.matched.id} (${d.matched.path}${d.hostPattern ? `, host ${d.hostPattern}` : ''})` : d.defaultBackend ? `defaultBackend of Ingress ${d.defaultBackend}` : '';
  if (d.outcome === 'redirect') {
    hops.push({ step: 'ingress-route', where, ok: true, detail: `${req.scheme}://${req.host}${req.path}: ${matched} answers ${d.status} → ${d.redirect?.location}` });
    return { hops, answered: true, failed: false, port: req.port, ...(proxy ? { proxy } : {}) };
  }
  const choice = d.backends.find((b) => b.share > 0 && b.status === 200 && b.endpoints.length);
  if (d.outcome === 'error' || !choice) {
    const reason = `${d.status} ${d.reason}: ${d.message}`;
    const fix = fixFor(d);
    hops.push({ step: 'ingress-route', where, ok: false, detail: `${req.scheme}://${req.host}${req.path}${matched ? ` matched ${matched}` : ''}: ${reason}`, reason, ...(fix ? { fix } : {}) });
    return { hops, failed: true, port: req.port };
  }
  if (!proxy) {
    const reason = 'the cluster has no node to run the proxy on';
    hops.push({ step: 'ingress-route', where, ok: false, detail: reason, reason });
    return { hops, failed: true, port: req.port };
  }
  const endpoints = choice.endpoints.map((target) => {
    const [ip, portText] = target.split(/:(?=\d+$)/);
    return { ip, port: Number(portText), target };
  });
  const shares = d.backends.map((b) => `${b.backend} ${Math.round(b.share * 100)}%`).join(', ');
  hops.push({
    step: 'ingress-route', where, ok: true,
    detail: `${req.scheme}://${req.host}${req.path} matched ${matched} → ${shares}; proxied to one of the ${choice.endpoints.length} ready endpoint(s) of Service ${choice.service}: ${choice.endpoints.join(', ')}`,
  });
  return { hops, proxy, endpoints, failed: false, port: req.port };
}
