/**
 * The cluster the trace tests share, applied through the real pipeline (decode → controllers), so
 * pod IPs, ClusterIPs and EndpointSlices are the controllers' own.
 *
 * Address plan (ClusterConfig defaults): podCIDR 10.244.0.0/16 in /24 node blocks, serviceCIDR
 * 10.96.0.0/12 (kube-dns 10.96.0.10), node network 172.18.0.0/16 (node-1 172.18.0.2, node-2
 * 172.18.0.3), load balancer pool 192.168.100.0/28, an external client 203.0.113.5.
 * Pods are pinned: client and web-1 on node-1, web-2 on node-2, other/lonely on node-2.
 */
import { decodeText, type DecodeResult } from '../../../src/api/decode.ts';
import type { InputError } from '../../../src/api/errors.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../../src/cluster/config.ts';
import { Store } from '../../../src/cluster/store.ts';
import { ClusterView } from '../../../src/cluster/view.ts';
import { applyObjects } from '../../../src/controllers/apply.ts';

export const EXTERNAL_CLIENT = '203.0.113.5';

export const BASE = `
apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: app, labels: {role: client}}
spec:
  nodeName: node-1
  containers: [{name: c, image: curl}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: app, labels: {app: web}}
spec:
  nodeName: node-1
  containers: [{name: nginx, image: nginx, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: app, labels: {app: web}}
spec:
  nodeName: node-2
  containers: [{name: nginx, image: nginx, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: lonely, namespace: other, labels: {app: lonely}}
spec:
  nodeName: node-2
  containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np, namespace: app}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb, namespace: app}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http, nodePort: 30081}]
---
apiVersion: v1
kind: Service
metadata: {name: lonely-local, namespace: other}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {app: lonely}
  ports: [{port: 80, targetPort: 8080, nodePort: 30082}]
---
apiVersion: v1
kind: Service
metadata: {name: web-itp, namespace: app}
spec:
  internalTrafficPolicy: Local
  selector: {app: lonely-nowhere-but-node-2}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: app}
spec:
  selector: {app: nothing}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-headless, namespace: app}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: search, namespace: app}
spec:
  type: ExternalName
  externalName: search.example.com
`;

export type ConfigPatch = Partial<Omit<ClusterConfig, 'cniOptions' | 'dns'>> & { cniOptions?: Partial<ClusterConfig['cniOptions']>; dns?: Partial<ClusterConfig['dns']> };

export function configOf(patch: ConfigPatch = {}): ClusterConfig {
  const base = defaultClusterConfig();
  return {
    ...base,
    loadBalancerPool: '192.168.100.0/28',
    ...patch,
    cniOptions: { ...base.cniOptions, ...(patch.cniOptions ?? {}) },
    dns: { ...base.dns, upstream: ['search.example.com. A 198.51.100.7'], ...(patch.dns ?? {}) },
  } as ClusterConfig;
}

/** The base cluster plus `extra` manifests, under `patch`. */
export function cluster(patch: ConfigPatch = {}, extra = ''): ClusterView {
  const result: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(`${BASE}${extra ? `---\n${extra}` : ''}`, 'trace-fixture.yaml', result, errors);
  if (errors.length) throw new Error(errors.map((e) => `${e.field ?? ''} ${e.reason}`).join('\n'));
  const config = configOf(patch);
  const store = new Store({ now: () => new Date('2024-01-01T00:00:00Z') });
  applyObjects(store, result.objects, config);
  return new ClusterView(store.list(), config);
}
