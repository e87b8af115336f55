/**
 * Scale benchmark of the foundation: generate manifests for N pods, services, namespaces and nodes,
 * apply them through the full pipeline (decode → validate → controllers → persisted commit), then
 * time `podnet get pods -A` on the result. Baseline in the same run: the same pipeline at 1/10 scale,
 * so the printed ratio shows how cost grows (10.0 = linear).
 * Goal (issue 2): 10,000 pods / 2,000 services / 500 namespaces / 50 nodes in under 5 s and 1 GiB.
 *   node --import tsx bench/apply-scale.ts [--pods 10000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeText, type DecodeResult } from '../src/api/decode.ts';
import type { InputError } from '../src/api/errors.ts';
import { defaultClusterConfig } from '../src/cluster/config.ts';
import { FileBackend } from '../src/cluster/file-backend.ts';
import { Store } from '../src/cluster/store.ts';
import { applyObjects } from '../src/controllers/apply.ts';

interface Scale {
  pods: number;
  services: number;
  namespaces: number;
  nodes: number;
}

function manifests(s: Scale): string {
  const docs: string[] = [];
  for (let n = 0; n < s.nodes; n++) docs.push(`apiVersion: v1\nkind: Node\nmetadata:\n  name: node-${n}\n  labels:\n    topology.kubernetes.io/zone: zone-${n % 3}`);
  for (let i = 0; i < s.namespaces; i++) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${i}`);
  for (let i = 0; i < s.services; i++) {
    docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  namespace: ns-${i % s.namespaces}\nspec:\n  selector:\n    app: app-${i}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http`);
  }
  for (let i = 0; i < s.pods; i++) {
    const app = i % s.services;
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-${i}\n  namespace: ns-${app % s.namespaces}\n  labels:\n    app: app-${app}\nspec:\n  containers:\n    - name: c\n      image: nginx\n      ports:\n        - name: http\n          containerPort: 8080`);
  }
  return docs.join('\n---\n');
}

function run(scale: Scale): { applySeconds: number; getSeconds: number; objects: number; heapMiB: number } {
  const home = mkdtempSync(join(tmpdir(), 'podnet-bench-'));
  try {
    const text = manifests(scale);
    const t0 = performance.now();
    const decoded: DecodeResult = { objects: [], warnings: [] };
    const errors: InputError[] = [];
    decodeText(text, 'generated.yaml', decoded, errors);
    if (errors.length) throw new Error(errors[0].reason);
    const store = new Store({ backend: new FileBackend(home) });
    applyObjects(store, decoded.objects, { ...defaultClusterConfig(), nodes: [] });
    const applySeconds = (performance.now() - t0) / 1000;
    const heapMiB = process.memoryUsage().rss / 2 ** 20;
    const t1 = performance.now();
    execFileSync(process.execPath, ['bin/podnet.js', 'get', 'pods', '-A'], { env: { ...process.env, PODNET_HOME: home }, stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
    const getSeconds = (performance.now() - t1) / 1000;
    return { applySeconds, getSeconds, objects: store.list().length, heapMiB };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const podsArg = process.argv.indexOf('--pods');
const pods = podsArg > 0 ? Number(process.argv[podsArg + 1]) : 10_000;
const full: Scale = { pods, services: pods / 5, namespaces: pods / 20, nodes: 50 };
const tenth: Scale = { pods: full.pods / 10, services: full.services / 10, namespaces: full.namespaces / 10, nodes: 5 };

const base = run(tenth);
const big = run(full);
const fmt = (n: number): string => n.toFixed(2);
process.stdout.write(`scale        pods   services  namespaces  nodes  objects  apply s  get pods -A s  RSS MiB\n`);
process.stdout.write(`baseline   ${String(tenth.pods).padStart(6)}  ${String(tenth.services).padStart(8)}  ${String(tenth.namespaces).padStart(10)}  ${String(tenth.nodes).padStart(5)}  ${String(base.objects).padStart(7)}  ${fmt(base.applySeconds).padStart(7)}  ${fmt(base.getSeconds).padStart(13)}  ${base.heapMiB.toFixed(0).padStart(7)}\n`);
process.stdout.write(`full       ${String(full.pods).padStart(6)}  ${String(full.services).padStart(8)}  ${String(full.namespaces).padStart(10)}  ${String(full.nodes).padStart(5)}  ${String(big.objects).padStart(7)}  ${fmt(big.applySeconds).padStart(7)}  ${fmt(big.getSeconds).padStart(13)}  ${big.heapMiB.toFixed(0).padStart(7)}\n`);
process.stdout.write(`ratio full/baseline: apply ${fmt(big.applySeconds / base.applySeconds)}x, get ${fmt(big.getSeconds / base.getSeconds)}x (10x the input; 10.0 = linear)\n`);
process.stdout.write(`goal: apply < 5 s and < 1024 MiB -> ${big.applySeconds < 5 && big.heapMiB < 1024 ? 'met' : 'NOT met'}\n`);
