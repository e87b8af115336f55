/**
 * kube-proxy's per-Service health check server (pkg/proxy/healthcheck): on a LoadBalancer Service's
 * healthCheckNodePort each node answers 200 while it has local ready endpoints and 503 otherwise,
 * so load balancers send eTP Local traffic only to nodes that can serve it.
 */
import type { ProxyNodePlan } from './node-plan.ts';

export interface HealthCheckResponse {
  status: 200 | 503;
  /** The JSON body kube-proxy writes. */
  body: { service: { namespace: string; name: string }; localEndpoints: number; serviceProxyHealthy: boolean };
}

/** The answer of `plan`'s node on `nodePort`, or undefined when no Service uses it as healthCheckNodePort. */
export function healthCheckResponse(plan: ProxyNodePlan, nodePort: number): HealthCheckResponse | undefined {
  const sp = plan.servicePorts.find((s) => s.healthCheckNodePort === nodePort);
  if (!sp) return undefined;
  const n = sp.healthCheckLocalEndpoints;
  return {
    status: n > 0 ? 200 : 503,
    body: { service: { namespace: sp.name.namespace, name: sp.name.name }, localEndpoints: n, serviceProxyHealthy: true },
  };
}
