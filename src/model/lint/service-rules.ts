/**
 * Service rules: selectors that select nothing, targetPorts no pod exposes, endpoints that are all
 * unready, headless Services with nothing behind them, NodePorts outside the range, and
 * externalTrafficPolicy Local on nodes that have no endpoint.
 */
import { fromMap } from '../../api/selector.ts';
import type { Endpoints, Pod, Service } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { ref, type LintRule } from './types.ts';

const nsOf = (svc: Service): string => svc.metadata.namespace ?? 'default';
const hasSelector = (svc: Service): boolean => !!svc.spec.selector && Object.keys(svc.spec.selector).length > 0;
const selText = (svc: Service): string => Object.entries(svc.spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');

function selectedPods(view: ClusterView, svc: Service): Pod[] {
  if (!hasSelector(svc)) return [];
  const sel = fromMap(svc.spec.selector!);
  return view.podsInNamespace(nsOf(svc)).filter((p) => sel.matches(p.metadata.labels));
}

function sliceEndpoints(view: ClusterView, svc: Service): { ready: number; total: number; nodes: Set<string> } {
  let ready = 0;
  let total = 0;
  const nodes = new Set<string>();
  for (const s of view.slicesForService(nsOf(svc), svc.metadata.name)) {
    for (const e of s.endpoints ?? []) {
      total++;
      if (e.conditions?.ready !== false) {
        ready++;
        if (e.nodeName) nodes.add(e.nodeName);
      }
    }
  }
  return { ready, total, nodes };
}

export const SERVICE_RULES: LintRule[] = [
  {
    id: 'service-selector-no-pods',
    severity: 'warning',
    title: 'Service selector matches no pods',
    check: ({ view }) => view.services.filter((s) => s.spec.type !== 'ExternalName' && hasSelector(s) && !selectedPods(view, s).length).map((s) => ({
      objects: [ref('Service', s)],
      message: `the selector ${selText(s)} matches no pod in namespace ${nsOf(s)}: the Service has no endpoints and connections are refused`,
      fix: `fix spec.selector or the pods' labels (podnet get pods -n ${nsOf(s)} --show-labels)`,
    })),
  },
  {
    id: 'service-target-port-missing',
    severity: 'error',
    title: 'named targetPort not exposed by any selected pod',
    check: ({ view }) => view.services.flatMap((s) => {
      const pods = selectedPods(view, s);
      if (!pods.length) return [];
      return (s.spec.ports ?? []).filter((p) => typeof p.targetPort === 'string').filter((p) => !pods.some((pod) => pod.spec.containers.some((c) => (c.ports ?? []).some((cp) => cp.name === p.targetPort && (cp.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))))).map((p) => ({
        objects: [ref('Service', s), ...pods.slice(0, 3).map((pod) => ref('Pod', pod))],
        message: `port ${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol ?? 'TCP'} targets the named port ${JSON.stringify(p.targetPort)}, which no selected pod declares: those pods get no endpoint for it`,
        fix: `add a containerPort named ${p.targetPort} (${p.protocol ?? 'TCP'}) to the pods' containers, or set targetPort to the port number`,
      }));
    }),
  },
  {
    id: 'service-no-ready-endpoints',
    severity: 'error',
    title: 'Service with only not-ready endpoints',
    check: ({ view }) => view.services.filter((s) => s.spec.type !== 'ExternalName').flatMap((s) => {
      const e = sliceEndpoints(view, s);
      if (e.total === 0 || e.ready > 0) return [];
      return [{
        objects: [ref('Service', s)],
        message: `all ${e.total} endpoint(s) are not ready: kube-proxy rejects connections (or uses terminating ones) and DNS omits them`,
        fix: `find out why the pods are not Ready (readiness probes, podnet describe pod -n ${nsOf(s)}); publishNotReadyAddresses only if clients can cope`,
      }];
    }),
  },
  {
    id: 'service-headless-no-endpoints',
    severity: 'warning',
    title: 'headless Service without selector or endpoints',
    check: ({ view }) => view.services.filter((s) => s.spec.clusterIP === 'None' && !hasSelector(s)).filter((s) => {
      const legacy = view.get<Endpoints>('Endpoints', nsOf(s), s.metadata.name);
      const legacyCount = (legacy?.subsets ?? []).reduce((n, ss) => n + (ss.addresses?.length ?? 0), 0);
      return sliceEndpoints(view, s).total === 0 && legacyCount === 0;
    }).map((s) => ({
      objects: [ref('Service', s)],
      message: 'headless, no selector and no endpoints: its name answers NXDOMAIN',
      fix: `add a selector, or an EndpointSlice labelled kubernetes.io/service-name=${s.metadata.name} with the addresses`,
    })),
  },
  {
    id: 'nodeport-out-of-range',
    severity: 'error',
    title: 'NodePort outside the configured range',
    check: ({ view }) => {
      const { base, size } = view.config.nodePortRange;
      return view.services.flatMap((s) => [...(s.spec.ports ?? []).map((p) => p.nodePort), s.spec.healthCheckNodePort]
        .filter((n): n is number => n !== undefined && (n < base || n >= base + size))
        .map((n) => ({
          objects: [ref('Service', s)],
          message: `nodePort ${n} is outside the node port range ${base}-${base + size - 1}: the API server refuses it, kube-proxy of this cluster would not open it`,
          fix: `remove the nodePort to get one allocated, or choose one in ${base}-${base + size - 1}`,
        })));
    },
  },
  {
    id: 'external-traffic-local-no-endpoints',
    severity: 'warning',
    title: 'externalTrafficPolicy Local on nodes with no local endpoint',
    check: ({ view }) => view.services.filter((s) => (s.spec.type === 'NodePort' || s.spec.type === 'LoadBalancer') && s.spec.externalTrafficPolicy === 'Local').flatMap((s) => {
      const e = sliceEndpoints(view, s);
      if (!e.ready) return [];
      const without = view.nodes.map((n) => n.metadata.name).filter((n) => !e.nodes.has(n));
      if (!without.length) return [];
      return [{
        objects: [ref('Service', s), ...without.map((n) => `Node ${n}`)],
        message: `externalTrafficPolicy Local: node(s) ${without.join(', ')} have no local endpoint, so external traffic arriving there is dropped${s.spec.type === 'LoadBalancer' ? ' (the load balancer\'s health checks on healthCheckNodePort steer around them)' : ''}`,
        fix: 'send external traffic only to nodes running a backend (a LoadBalancer does this by health check), spread the pods over every node (a DaemonSet), or use externalTrafficPolicy: Cluster if the client IP need not be preserved',
      }];
    }),
  },
];
