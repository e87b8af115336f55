/**
 * `podnet probe` and `podnet verify --real` as users run them: the persisted cluster brought up,
 * changed with `podnet apply` while up (the agents reconcile; probe waits for them), a rule slipped
 * into a node behind the model's back found as a mismatch (exit 1), `-o json` shape, and the exit
 * code 2 when nothing is up. Expectations: NetworkPolicy semantics (a podSelector peer admits only
 * the selected pods, on the listed port) and the contract (mismatches listed, exit 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataplaneLayout, DataplaneNames, dataplaneDown } from '../../src/dataplane/index.ts';
import type { ProbeReport } from '../../src/dataplane/probe/index.ts';
import { run, type RunResult } from '../../src/dataplane/run.ts';
import { skipReason, uniquePrefix, TWO_NODES, PODNET_BIN } from './helpers.ts';


const CLUSTER = `${TWO_NODES}apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  nodeName: node-2
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec:
  nodeName: node-1
  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: shop, labels: {app: other}}
spec:
  nodeName: node-1
  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
`;

const POLICY = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-client, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: http}]}]
`;

const CONFIG = `
apiVersion: podnet/v1alpha1
kind: ClusterConfig
cni: calico
proxyMode: nftables
`;

const EXPECT = `
apiVersion: podnet/v1alpha1
kind: Expectations
checks:
- {name: client reaches web, reach: {from: shop/client, to: shop/web, port: 80}, expect: allow}
- {name: other is kept out, reach: {from: shop/other, to: shop/web, port: 80}, expect: deny}
- {name: wrong on purpose, reach: {from: shop/other, to: shop/web, port: 80}, expect: allow}
`;

test('podnet probe and verify --real against a live cluster changed by podnet apply', { skip: skipReason, timeout: 240_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'podnet-probe-'));
  const prefix = uniquePrefix('pcli');
  const env = { ...process.env, PODNET_HOME: home, PODNET_PREFIX: prefix };
  const podnet = (...args: string[]): Promise<RunResult> => run(process.execPath, [PODNET_BIN, ...args], { env, timeoutMs: 120000 });
  const file = (name: string, text: string): string => {
    writeFileSync(join(home, name), text);
    return join(home, name);
  };
  try {
    const notUp = await podnet('probe');
    assert.equal(notUp.code, 2, notUp.stderr);
    assert.match(notUp.stderr, /is not up/);

    assert.equal((await podnet('apply', '-f', file('cluster.yaml', CLUSTER), '--config', file('config.yaml', CONFIG))).code, 0);
    const up = await podnet('up');
    assert.equal(up.code, 0, up.stderr);

    // No policy: every pair of shop pods connects on 80/TCP.
    const open = await podnet('probe', '-n', 'shop', '-o', 'json');
    assert.equal(open.code, 0, open.stderr);
    const openReport = JSON.parse(open.stdout) as ProbeReport;
    assert.deepEqual(openReport.ports, ['80/TCP']);
    assert.equal(openReport.summary.compared, 6);
    assert.ok(openReport.cells.every((c) => c.model === 'allow' && c.real === 'allow' && c.agree));

    // A policy applied while up: only client may reach web, and the kernel agrees at once.
    assert.equal((await podnet('apply', '-f', file('policy.yaml', POLICY))).code, 0);
    const guarded = await podnet('probe', '-n', 'shop', '-o', 'json');
    assert.equal(guarded.code, 0, guarded.stdout + guarded.stderr);
    const g = JSON.parse(guarded.stdout) as ProbeReport;
    const cell = (from: string, to: string) => g.cells.find((c) => c.from === from && c.to === to)!;
    assert.equal(cell('shop/client', 'shop/web').real, 'allow');
    assert.equal(cell('shop/other', 'shop/web').real, 'deny');
    assert.equal(cell('shop/other', 'shop/web').result, 'unreachable', 'a policy reject fails at once (admin-prohibited)');
    assert.equal(cell('shop/web', 'shop/other').real, 'allow', 'web is isolated for ingress only');

    // verify --real: the packets' verdicts; the wrong expectation fails (exit 1).
    const verify = await podnet('verify', '--expect', file('expect.yaml', EXPECT), '--real', '-o', 'json');
    assert.equal(verify.code, 1, verify.stderr);
    const v = JSON.parse(verify.stdout) as { summary: { passed: number; failed: number }; results: { name: string; passed: boolean; actual: string; message: string }[] };
    assert.deepEqual(v.results.map((r) => [r.name, r.passed, r.actual]), [['client reaches web', true, 'allow'], ['other is kept out', true, 'deny'], ['wrong on purpose', false, 'deny']]);
    assert.match(v.results[0].message, /with packets: allowed .*; model: allowed/);
    assert.equal((await podnet('verify', '--expect', join(home, 'expect.yaml'), '--real', '-f', join(home, 'cluster.yaml'))).code, 2, '--real with -f is a usage error');

    // A rule the model does not know about (slipped into node-1 by hand): probe lists the mismatch, exit 1.
    const names = new DataplaneNames(prefix);
    const web = JSON.parse((await podnet('status', '-o', 'json')).stdout).pods.find((p: { name: string }) => p.name === 'web').ip as string;
    const sneak = await run('ip', ['netns', 'exec', names.node('node-1'), 'nft', 'insert', 'rule', 'inet', 'podnet-netpol', 'forward', 'ip', 'daddr', web, 'tcp', 'dport', '80', 'drop']);
    assert.equal(sneak.code, 0, sneak.stderr);
    const caught = await podnet('probe', '-n', 'shop', '--timeout', '500');
    assert.equal(caught.code, 1, caught.stdout);
    assert.match(caught.stdout, /MISMATCH shop\/client -> shop\/web 80\/TCP: model allows, kernel blocks \(timeout\)/);
    assert.match(caught.stdout, /1 mismatches/);
  } finally {
    try {
      await dataplaneDown(new DataplaneNames(prefix), new DataplaneLayout(join(home, 'dataplane')));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
});
