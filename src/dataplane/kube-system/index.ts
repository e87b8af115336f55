/**
 * @module dataplane/kube-system — the cluster components `podnet up` runs inside pods: the cluster
 * DNS in the coredns pods, the L7 proxy in ingress-controller pods (also for pods added while up,
 * through the node agents' pod sync), the nodes' upstream-only resolver in the underlay, each pod's
 * resolv.conf, and the host's link into the underlay for LoadBalancer and NodePort traffic.
 */
export { planKubeSystem, DNS_PORT, INGRESS_CONTROLLER_LABELS, L7_ENGINE_ANNOTATION, type KubeSystemPlan, type IngressPodPlan, type L7Engine } from './plan.ts';
export { startKubeSystem, removeKubeSystem, kubeSystemStatus, readKubeSystemRecord, kubeSystemDir, startDNSPod, startIngressPod, startNodeResolver, stopComponents, componentSourceFile, writeKubeSystemRecord, type KubeSystemRecord, type ComponentRecord, type ComponentStatus } from './start.ts';
export { hostLinkName, planHostLink, HOST_PEER, type HostLinkPlan } from './host-link.ts';
export { writeResolvConfs, writeNetnsFile, removeNetnsEtc, netnsEtcDir, NETNS_ETC } from './netns-etc.ts';
export { ClusterSource, writeClusterSnapshot } from './cluster-source.ts';
