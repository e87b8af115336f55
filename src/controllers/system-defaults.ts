/**
 * kube-system defaults: what a fresh kubeadm cluster holds before any user object. The standard
 * namespaces (each labelled kubernetes.io/metadata.name, as the API server does), namespaces that
 * applied objects refer to, Service default/kubernetes at the first service IP, and CoreDNS
 * (kube-system/kube-dns Service at the DNS service IP, coredns Deployment) as kubeadm's addon
 * manifests create them. Objects of these names that already exist (a user's own, or from a dump)
 * are never overwritten.
 *
 * Namespace lifecycle: an object applied into a namespace that does not exist creates it (so
 * `kubectl get all -A -o yaml` dumps apply); an object already stored whose namespace is gone is
 * deleted, as the namespace controller does after a namespace is deleted.
 */
import { parseCIDR } from '../api/cidr.ts';
import { kindInfo } from '../api/kinds.ts';
import type { Deployment, KObject, Namespace, Service } from '../api/types.ts';
import { keyOf } from '../cluster/object-set.ts';
import type { ClusterConfig } from '../cluster/config.ts';
import type { ReconcileContext } from './context.ts';
import { putIfChanged } from './object-changes.ts';

/** Namespaces every cluster has (kube-apiserver creates them at start-up). */
export const SYSTEM_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** The label the API server sets on every Namespace (NamespaceDefaultLabelName, GA in 1.22). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.11.3';

/** The DNS Service IP: config.dns.serviceIP, else the 10th address of serviceCIDR (kubeadm's choice). */
export function dnsServiceIP(config: ClusterConfig): string {
  return config.dns.serviceIP ?? serviceIPAt(config, 10);
}

/** The first address of serviceCIDR, which the apiserver gives Service default/kubernetes. */
export function apiServerServiceIP(config: ClusterConfig): string {
  return serviceIPAt(config, 1);
}

function serviceIPAt(config: ClusterConfig, offset: number): string {
  const cidr = parseCIDR(config.serviceCIDR);
  if (!cidr) throw new Error(`invalid serviceCIDR ${config.serviceCIDR}`); // ClusterConfig parsing rejects this
  return cidr.at(offset);
}

export function reconcileSystemDefaults(ctx: ReconcileContext): void {
  reconcileNamespaces(ctx);
  ensureObject(ctx, kubernetesService(ctx.config));
  ensureObject(ctx, kubeDNSService(ctx.config));
  ensureObject(ctx, coreDNSDeployment());
}

function newNamespace(name: string): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [NAMESPACE_NAME_LABEL]: name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function reconcileNamespaces(ctx: ReconcileContext): void {
  const { objects } = ctx;
  for (const name of SYSTEM_NAMESPACES) {
    if (!objects.get('Namespace', undefined, name)) objects.put(newNamespace(name));
  }
  // Namespaced objects whose namespace is missing: applied now → create it; stored → it was deleted.
  // The set counts objects per namespace, so only a missing namespace costs a scan of the objects.
  const absent = new Set(objects.namespaces().filter((ns) => !objects.get('Namespace', undefined, ns)));
  const missing = new Map<string, KObject[]>();
  if (absent.size) {
    for (const obj of objects.values()) {
      const ns = obj.metadata.namespace;
      if (!ns || !absent.has(ns) || !kindInfo(obj.kind)?.namespaced) continue;
      let list = missing.get(ns);
      if (!list) missing.set(ns, (list = []));
      list.push(obj);
    }
  }
  for (const [ns, members] of [...missing].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (members.some((o) => ctx.sources.has(keyOf(o)))) {
      objects.put(newNamespace(ns));
    } else {
      for (const o of members) objects.delete(keyOf(o));
    }
  }
  for (const ns of objects.list<Namespace>('Namespace')) {
    const name = ns.metadata.name;
    const labelled = ns.metadata.labels?.[NAMESPACE_NAME_LABEL] === name;
    const active = ns.status?.phase !== undefined;
    if (labelled && active) continue;
    putIfChanged(objects, ns, {
      ...ns,
      metadata: { ...ns.metadata, labels: { ...(ns.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name } },
      ...(active ? {} : { status: { ...(ns.status ?? {}), phase: 'Active' } }),
    });
  }
}

function ensureObject(ctx: ReconcileContext, obj: KObject): void {
  if (!ctx.objects.has(keyOf(obj))) ctx.objects.put(obj);
}

/** Service default/kubernetes as kube-apiserver reconciles it: no selector, 443 → the apiserver's 6443. */
export function kubernetesService(config: ClusterConfig): Service {
  const ip = apiServerServiceIP(config);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      ipFamilies: [ip.includes(':') ? 'IPv6' : 'IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
    },
  };
}

/** kubeadm's CoreDNS Service (cmd/kubeadm/app/phases/addons/dns/manifests.go). */
export function kubeDNSService(config: ClusterConfig): Service {
  const ip = dnsServiceIP(config);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      ipFamilies: [ip.includes(':') ? 'IPv6' : 'IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  };
}

/** kubeadm's coredns Deployment: 2 replicas, dnsPolicy Default, tolerating the control-plane taint. */
export function coreDNSDeployment(): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: 'coredns',
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
          ],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [
            {
              name: 'coredns',
              image: COREDNS_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              args: ['-conf', '/etc/coredns/Corefile'],
              volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
              ports: [
                { containerPort: 53, name: 'dns', protocol: 'UDP' },
                { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
                { containerPort: 8080, name: 'liveness-probe', protocol: 'TCP' },
                { containerPort: 8181, name: 'readiness-probe', protocol: 'TCP' },
              ],
              livenessProbe: { httpGet: { path: '/health', port: 'liveness-probe', scheme: 'HTTP' }, initialDelaySeconds: 60, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 5 },
              readinessProbe: { httpGet: { path: '/ready', port: 'readiness-probe', scheme: 'HTTP' } },
            },
          ],
          dnsPolicy: 'Default',
          restartPolicy: 'Always',
          volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } }],
        },
      },
    },
  };
}
