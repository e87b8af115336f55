/**
 * Issue "Foundation", done-when: applying a `kubectl get all,netpol,ing -A -o yaml` dump round-trips —
 * `get -o yaml` shows the same pod IPs and cluster IPs, and no duplicate pods appear next to the
 * imported ones.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { Sandbox } from '../cli/helpers.ts';

const DUMP = join(import.meta.dirname, '..', 'fixtures', 'kubectl-dump.yaml');

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string; ownerReferences?: { name: string }[] };
  spec: { clusterIP?: string; ports?: { nodePort?: number }[]; nodeName?: string };
  status?: { podIP?: string };
}

describe('kubectl dump round-trip', () => {
  const box = new Sandbox();
  after(() => box.remove());

  test('apply succeeds', () => {
    const r = box.run(['apply', '-f', DUMP]);
    assert.equal(r.code, 0, r.stderr);
  });

  const items = (type: string): Obj[] => (parse(box.run(['get', type, '-A', '-o', 'yaml']).stdout) as { items: Obj[] }).items;
  const source = (parse(readFileSync(DUMP, 'utf8')) as { items: Obj[] }).items;

  test('pods keep their IPs and nodes; the Deployment does not create extra pods', () => {
    const want = source.filter((o) => o.kind === 'Pod').map((p) => `${p.metadata.namespace}/${p.metadata.name} ${p.status?.podIP} ${p.spec.nodeName}`);
    const got = items('pods').map((p) => `${p.metadata.namespace}/${p.metadata.name} ${p.status?.podIP} ${p.spec.nodeName}`);
    for (const w of want) assert.ok(got.includes(w), `missing ${w} in ${got.join('; ')}`);
    assert.equal(items('pods').length, want.length, 'no pods beyond the imported ones');
  });

  test('services keep their ClusterIPs and nodePorts', () => {
    const want = source.filter((o) => o.kind === 'Service').map((s) => `${s.metadata.namespace}/${s.metadata.name} ${s.spec.clusterIP} ${(s.spec.ports ?? []).map((p) => p.nodePort ?? '-').join(',')}`);
    const got = items('svc').map((s) => `${s.metadata.namespace}/${s.metadata.name} ${s.spec.clusterIP} ${(s.spec.ports ?? []).map((p) => p.nodePort ?? '-').join(',')}`);
    assert.deepEqual(got.sort(), want.sort());
  });

  test('imported ReplicaSets are adopted, not duplicated', () => {
    assert.deepEqual(items('rs').map((r) => `${r.metadata.namespace}/${r.metadata.name}`), ['default/web-5d8f7c9b6', 'kube-system/coredns-7db6d8ff4d']);
  });
});
