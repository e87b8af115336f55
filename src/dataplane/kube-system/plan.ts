/**
 * Which pods run real cluster components instead of (part of) the test server: the pods of
 * Deployment kube-system/coredns serve DNS on 53/UDP+TCP, and ingress-controller pods (labelled as
 * the upstream ingress-nginx manifests label them) run the L7 proxy on their HTTP and HTTPS ports. Those ports
 * are taken out of the test server's list so the component can bind them; the pod's other declared
 * ports (CoreDNS metrics and probes, the controller's webhook) stay with the test server.
 * Pure: a function of the topology and the view.
 */
import type { Pod } from '../../api/types.ts';
import { fromLabelSelector, fromMap } from '../../api/selector.ts';
import type { ClusterView } from '../../cluster/view.ts';
import type { PodPlan, Topology } from '../plan.ts';

/** The port CoreDNS serves on (kubeadm's containerPorts `dns` and `dns-tcp`). */
export const DNS_PORT = 53;

/** Labels of the controller pods in ingress-nginx's deploy manifests (app.kubernetes.io/component: controller). */
export const INGRESS_CONTROLLER_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
};

/** Pod annotation choosing the L7 engine of an ingress-controller pod: `node` (default) or `nginx`. */
export const L7_ENGINE_ANNOTATION = 'podnet.dev/l7-engine';

export type L7Engine = 'node' | 'nginx';

export interface IngressPodPlan {
  pod: PodPlan;
  /** containerPorts the proxy serves as the Ingress controller's HTTP frontend (front port 80). */
  httpPorts: number[];
  /** containerPorts where it terminates TLS as the HTTPS frontend (front port 443). */
  httpsPorts: number[];
  engine: L7Engine;
}

export interface KubeSystemPlan {
  /** coredns pods: a DNS server on 53/UDP+TCP in each. */
  dns: PodPlan[];
  ingress: IngressPodPlan[];
  warnings: string[];
}

function corednsPods(view: ClusterView): Set<Pod> {
  const deploy = view.deployments.find((d) => d.metadata.namespace === 'kube-system' && d.metadata.name === 'coredns');
  if (!deploy) return new Set();
  const sel = fromLabelSelector(deploy.spec.selector);
  return new Set(view.podsInNamespace('kube-system').filter((p) => sel.matches(p.metadata.labels)));
}

const ingressSelector = fromMap({ ...INGRESS_CONTROLLER_LABELS });

/**
 * TCP ports named `name` or numbered `wellKnown`: ingress-nginx's entry points (`http` 80 and
 * `https` 443 in its manifests). A port named for the other scheme is never taken by number.
 */
function entryPortsOf(pod: Pod, name: 'http' | 'https', wellKnown: number): number[] {
  const other = name === 'http' ? 'https' : 'http';
  const ports = new Set<number>();
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if ((p.protocol ?? 'TCP') !== 'TCP') continue;
      if (p.name === name || (p.containerPort === wellKnown && p.name !== other)) ports.add(p.containerPort);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

export function planKubeSystem(topology: Topology, view: ClusterView): { topology: Topology; plan: KubeSystemPlan } {
  const coredns = corednsPods(view);
  const plan: KubeSystemPlan = { dns: [], ingress: [], warnings: [] };
  const pods = topology.pods.map((p): PodPlan => {
    const pod = view.pod(p.namespace, p.name);
    if (!pod) return p;
    if (coredns.has(pod)) {
      plan.dns.push(p);
      return { ...p, ports: p.ports.filter((x) => x.port !== DNS_PORT) };
    }
    if (ingressSelector.matches(pod.metadata.labels)) {
      const httpPorts = entryPortsOf(pod, 'http', 80);
      const httpsPorts = entryPortsOf(pod, 'https', 443).filter((port) => !httpPorts.includes(port));
      if (!httpPorts.length) {
        plan.warnings.push(`pod ${p.namespace}/${p.name}: ingress controller without an http containerPort (name http or port 80); the proxy is not started`);
        return p;
      }
      const annotated = pod.metadata.annotations?.[L7_ENGINE_ANNOTATION];
      if (annotated !== undefined && annotated !== 'node' && annotated !== 'nginx') {
        plan.warnings.push(`pod ${p.namespace}/${p.name}: annotation ${L7_ENGINE_ANNOTATION}=${JSON.stringify(annotated)} is not node or nginx; using node`);
      }
      plan.ingress.push({ pod: p, httpPorts, httpsPorts, engine: annotated === 'nginx' ? 'nginx' : 'node' });
      return { ...p, ports: p.ports.filter((x) => !(x.protocol === 'TCP' && (httpPorts.includes(x.port) || httpsPorts.includes(x.port)))) };
    }
    return p;
  });
  return { topology: { ...topology, pods, warnings: [...topology.warnings, ...plan.warnings] }, plan };
}
