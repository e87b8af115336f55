/**
 * compileRouteTable: the one route table of a cluster, from its Ingresses (ClusterConfig
 * ingressController) and Gateway API objects (ClusterConfig gatewayController), with the status
 * each controller would report — computed as data, never written to the store.
 */
import type { ClusterView } from '../../cluster/view.ts';
import { compileGateways } from './gateway-compile.ts';
import { compileIngresses } from './ingress-compile.ts';
import type { RouteTable } from './types.ts';

export function compileRouteTable(view: ClusterView): RouteTable {
  const ing = compileIngresses(view);
  const gw = compileGateways(view);
  return {
    ...(ing.frontend ? { ingress: ing.frontend } : {}),
    gateways: gw.frontends,
    status: { ingresses: ing.statuses, gateways: gw.gateways, httpRoutes: gw.routes },
  };
}
