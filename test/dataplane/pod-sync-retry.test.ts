/**
 * The pod sync's retries, without a kernel: a change seen while `up` still owns state.json (phase
 * `creating`) is not dropped — the node agent retries and applies it once `up` finished, with no
 * further change to the cluster (kubelet keeps reconciling until the node matches the API server).
 * The pod used is a hostNetwork pod recorded in state.json but gone from the store: tearing it down
 * needs no namespace, no CNI call and no process, so this runs as any user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KObject } from '../../src/api/types.ts';
import { defaultClusterConfig } from '../../src/cluster/config.ts';
import { FileBackend } from '../../src/cluster/file-backend.ts';
import { Store } from '../../src/cluster/store.ts';
import { ClusterView } from '../../src/cluster/view.ts';
import { CONFLIST_FILE, nodeConfList } from '../../src/dataplane/cni/conflist.ts';
import { DataplaneNames } from '../../src/dataplane/names.ts';
import { planTopology, type PodPlan } from '../../src/dataplane/plan.ts';
import { PodSync } from '../../src/dataplane/pod-sync.ts';
import { DataplaneLayout, type DataplaneState } from '../../src/dataplane/state.ts';

const NODE: KObject = {
  apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' },
  spec: { podCIDR: '10.244.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.11' }] },
} as KObject;

const until = async (ok: () => boolean, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return ok();
};

test('a change seen while up is still creating is applied once up finished, without another change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-psretry-'));
  const lines: string[] = [];
  let sync: PodSync | undefined;
  try {
    const config = defaultClusterConfig();
    const storeDir = join(dir, 'state');
    new Store({ backend: new FileBackend(storeDir) }).commit({ puts: [NODE], config });
    const view = new ClusterView([NODE], config);
    const names = new DataplaneNames('tpsretry');
    const top = planTopology(view, config, names);
    const node = top.nodes[0];
    // A hostNetwork pod `up` recorded that the store no longer has.
    const ghost: PodPlan = { namespace: 'default', name: 'ghost', node: 'node-1', netns: node.netns, ip: node.internalIP, hostNetwork: true, containerID: 'c0', ports: [] };
    const layout = new DataplaneLayout(join(dir, 'dataplane'));
    const state: DataplaneState = {
      version: 1, prefix: names.prefix, phase: 'creating', startedAt: new Date().toISOString(), cniBinDirs: [],
      topology: { ...top, pods: [ghost] }, servers: [], runDir: join(dir, 'run'), cniSockets: {},
    };
    layout.write(state);
    mkdirSync(layout.confDir('node-1'), { recursive: true });
    writeFileSync(join(layout.confDir('node-1'), CONFLIST_FILE), JSON.stringify(nodeConfList(top.profile, node, layout.ipamDir('node-1'))));
    const recorded = (): string[] => (layout.read()?.topology.pods ?? []).map((p) => p.name);

    sync = new PodSync({ node: 'node-1', dataplaneDir: layout.dir, source: { kind: 'store', dir: storeDir }, config, log: (l) => lines.push(l) });
    sync.request();
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(recorded(), ['ghost'], 'untouched while up owns state.json');

    layout.write({ ...state, phase: 'up' });
    assert.ok(await until(() => recorded().length === 0, 5000), `the retry removed the pod once up finished (log: ${lines.join(' | ')})`);
    assert.match(lines.join('\n'), /pod default\/ghost: removed/);
  } finally {
    sync?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
