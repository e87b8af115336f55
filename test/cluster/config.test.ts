import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../src/api/errors.ts';
import { defaultClusterConfig, parseClusterConfig } from '../../src/cluster/config.ts';

const header = 'apiVersion: podnet/v1alpha1\nkind: ClusterConfig\n';

function errorsOf(text: string): string[] {
  try {
    parseClusterConfig(text, 'c.yaml');
  } catch (e) {
    assert.ok(e instanceof InvalidInputError);
    return e.errors.map((x) => `${x.line}:${x.field}:${x.reason}`);
  }
  assert.fail('expected errors');
}

describe('ClusterConfig', () => {
  test('kubeadm-like defaults', () => {
    const c = defaultClusterConfig();
    assert.equal(c.clusterDomain, 'cluster.local');
    assert.equal(c.serviceCIDR, '10.96.0.0/12');
    assert.equal(c.podCIDR, '10.244.0.0/16');
    assert.deepEqual(c.nodePortRange, { base: 30000, size: 2768 });
    assert.equal(c.cni, 'calico');
    assert.equal(c.proxyMode, 'iptables');
    assert.deepEqual(c.nodes, ['node-1', 'node-2']);
    assert.equal(c.dns.ttl, 30);
  });

  test('every key optional; values read', () => {
    const c = parseClusterConfig(`${header}nodes: 3\ncni: flannel\ncniOptions: {backend: host-gw}\nnodePortRange: 31000-31999\ndns: {ttl: 5, pods: verified}\n`);
    assert.deepEqual(c.nodes, ['node-1', 'node-2', 'node-3']);
    assert.equal(c.cni, 'flannel');
    assert.equal(c.cniOptions.flannelBackend, 'host-gw');
    assert.deepEqual(c.nodePortRange, { base: 31000, size: 1000 });
    assert.equal(c.dns.pods, 'verified');
  });

  test('unknown keys and bad values are all reported, in line order', () => {
    const errs = errorsOf(`${header}cnii: calico\ncni: weave\npodCIDR: 10.244.0.0/33\nkubeProxy: {masqueradeAl: true}\n`);
    assert.deepEqual(errs, [
      '3:cnii:unknown field',
      '4:cni:Unsupported value: "weave": supported values: "bridge", "flannel", "calico", "cilium"',
      '5:podCIDR:Invalid value: "10.244.0.0/33": must be a valid CIDR, e.g. 10.244.0.0/16',
      '6:kubeProxy.masqueradeAl:unknown field',
    ]);
  });

  test('dns.serviceIP must lie in the service CIDR', () => {
    assert.deepEqual(errorsOf(`${header}dns: {serviceIP: 10.0.0.10}\n`), ['3:dns.serviceIP:Invalid value: "10.0.0.10": must be an IP address inside serviceCIDR 10.96.0.0/12']);
  });
});
