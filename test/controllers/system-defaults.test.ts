// What a fresh kubeadm cluster holds: kube-apiserver's system namespaces and its
// NamespaceDefaultLabelName (kubernetes.io/metadata.name), Service default/kubernetes at the first
// address of the service CIDR, and kubeadm's CoreDNS addon (cmd/kubeadm/app/phases/addons/dns).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, Namespace, Pod, Service } from '../../src/api/types.ts';
import { Cluster, config, podYAML } from './cluster-harness.ts';

describe('system namespaces', () => {
  it('default, kube-system, kube-public and kube-node-lease exist, each labelled with its name', () => {
    const c = new Cluster();
    c.apply('');
    const names = c.list<Namespace>('Namespace').map((n) => `${n.metadata.name} ${n.metadata.labels?.['kubernetes.io/metadata.name']} ${n.status?.phase}`);
    assert.deepEqual(names, ['default default Active', 'kube-node-lease kube-node-lease Active', 'kube-public kube-public Active', 'kube-system kube-system Active']);
  });

  it('a user Namespace gets the label; a wrong value is overwritten, other labels kept', () => {
    const c = new Cluster();
    c.apply('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {kubernetes.io/metadata.name: other, team: a}\n');
    assert.deepEqual(c.get<Namespace>('Namespace', undefined, 'shop')?.metadata.labels, { 'kubernetes.io/metadata.name': 'shop', team: 'a' });
  });

  it('an object applied into a namespace that has no Namespace object creates it (dumps lack Namespaces)', () => {
    const c = new Cluster();
    c.apply(podYAML('a', { namespace: 'shop' }));
    assert.equal(c.get<Namespace>('Namespace', undefined, 'shop')?.metadata.labels?.['kubernetes.io/metadata.name'], 'shop');
  });

  it('deleting a Namespace deletes the objects in it (namespace controller)', () => {
    const c = new Cluster();
    c.apply(podYAML('a', { namespace: 'shop' }));
    c.delete('Namespace/shop');
    assert.equal(c.get('Namespace', undefined, 'shop'), undefined);
    assert.deepEqual(c.pods('shop'), []);
  });
});

describe('Service default/kubernetes', () => {
  it('ClusterIP is the first address of serviceCIDR; https 443 → 6443/TCP; no selector; apiserver labels', () => {
    const c = new Cluster();
    c.apply('');
    const s = c.get<Service>('Service', 'default', 'kubernetes')!;
    assert.equal(s.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(s.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
    assert.equal(s.spec.selector, undefined);
    assert.deepEqual(s.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
  });

  it('follows serviceCIDR', () => {
    const c = new Cluster(config({ serviceCIDR: '10.43.0.0/16' }));
    c.apply('');
    assert.equal(c.get<Service>('Service', 'default', 'kubernetes')?.spec.clusterIP, '10.43.0.1');
    assert.equal(c.get<Service>('Service', 'kube-system', 'kube-dns')?.spec.clusterIP, '10.43.0.10');
  });
});

describe('CoreDNS (kubeadm addon)', () => {
  it('kube-dns Service at the 10th service address with dns/dns-tcp/metrics ports and k8s-app selector', () => {
    const c = new Cluster();
    c.apply('');
    const s = c.get<Service>('Service', 'kube-system', 'kube-dns')!;
    assert.equal(s.spec.clusterIP, '10.96.0.10');
    assert.deepEqual(s.spec.selector, { 'k8s-app': 'kube-dns' });
    assert.equal(s.metadata.labels?.['k8s-app'], 'kube-dns');
    assert.equal(s.metadata.labels?.['kubernetes.io/name'], 'CoreDNS');
    assert.deepEqual(s.spec.ports?.map((p) => `${p.name} ${p.port}/${p.protocol}`), ['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP']);
  });

  it('dns.serviceIP overrides the address', () => {
    const base = config();
    const c = new Cluster({ ...base, dns: { ...base.dns, serviceIP: '10.96.0.53' } });
    c.apply('');
    assert.equal(c.get<Service>('Service', 'kube-system', 'kube-dns')?.spec.clusterIP, '10.96.0.53');
  });

  it('coredns Deployment: 2 replicas of k8s-app=kube-dns pods, dnsPolicy Default, control-plane toleration, named ports', () => {
    const c = new Cluster();
    c.apply('');
    const d = c.get<Deployment>('Deployment', 'kube-system', 'coredns')!;
    assert.equal(d.spec.replicas, 2);
    const spec = d.spec.template.spec;
    assert.equal(spec.dnsPolicy, 'Default');
    assert.ok(spec.tolerations?.some((t) => t.key === 'node-role.kubernetes.io/control-plane' && t.effect === 'NoSchedule'));
    assert.deepEqual(spec.containers[0].ports?.slice(0, 3).map((p) => `${p.name} ${p.containerPort}/${p.protocol}`), ['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP']);
    const pods = c.list<Pod>('Pod', 'kube-system').filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => p.status?.phase === 'Running' && p.status.podIP));
  });

  it("the user's own kube-dns Service and coredns Deployment are kept as given", () => {
    const c = new Cluster();
    c.apply([
      'apiVersion: v1', 'kind: Service', 'metadata: {name: kube-dns, namespace: kube-system}',
      'spec: {clusterIP: 10.96.0.20, selector: {app: mydns}, ports: [{name: dns, port: 53, protocol: UDP, targetPort: 53}]}',
      '---',
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: coredns, namespace: kube-system}',
      'spec: {replicas: 1, selector: {matchLabels: {app: mydns}}, template: {metadata: {labels: {app: mydns}}, spec: {containers: [{name: c, image: dns}]}}}',
    ].join('\n'));
    assert.equal(c.get<Service>('Service', 'kube-system', 'kube-dns')?.spec.clusterIP, '10.96.0.20');
    assert.equal(c.get<Deployment>('Deployment', 'kube-system', 'coredns')?.spec.replicas, 1);
    assert.equal(c.list<Pod>('Pod', 'kube-system').length, 1);
  });
});
