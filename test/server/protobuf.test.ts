/**
 * Kubernetes protobuf bodies → the JSON object a JSON client sends for the same Go value. The bytes
 * are built by hand with upstream's field numbers (k8s.io/api core/v1, apps/v1, networking/v1 and
 * apimachinery meta/v1, intstr, resource, runtime generated.proto) and the way Go's generated
 * marshallers write them: every non-pointer field, zero or not (so ObjectMeta always carries
 * generateName "", generation 0 and an empty creationTimestamp), nil pointers never.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProtobufObject, ProtobufDecodeError } from '../../src/server/protobuf/index.ts';
import { startCluster } from './harness.ts';

// ---- a minimal protobuf wire writer ----

function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

/** One field: numbers and booleans as varints, strings and byte buffers length-delimited. */
function f(num: number, value: number | bigint | boolean | string | Buffer): Buffer {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return Buffer.concat([varint((num << 3) | 0), varint(typeof value === 'boolean' ? Number(value) : value)]);
  }
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([varint((num << 3) | 2), varint(bytes.length), bytes]);
}

const msg = (...fields: Buffer[]): Buffer => Buffer.concat(fields);
/** A map entry: key 1, value 2. */
const entry = (num: number, key: string, value: string | Buffer): Buffer => f(num, msg(f(1, key), f(2, value)));

/** The envelope: `k8s\0` + runtime.Unknown{typeMeta 1{apiVersion 1, kind 2}, raw 2, contentEncoding 3, contentType 4}. */
function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(f(1, msg(f(1, apiVersion), f(2, kind))), f(2, raw), f(3, ''), f(4, ''))]);
}

/** ObjectMeta as Go writes it: name 1, generateName 2, namespace 3, selfLink 4, uid 5, resourceVersion 6, generation 7, creationTimestamp 8, then extras. */
const objectMeta = (name: string, ...extra: Buffer[]): Buffer =>
  msg(f(1, name), f(2, ''), f(3, ''), f(4, ''), f(5, ''), f(6, ''), f(7, 0), f(8, Buffer.alloc(0)), ...extra);

/** IntOrString: type 1 (0 int, 1 string), intVal 2, strVal 3 — all always written. */
const intOrString = (v: number | string): Buffer =>
  typeof v === 'number' ? msg(f(1, 0), f(2, v), f(3, '')) : msg(f(1, 1), f(2, 0), f(3, v));

test('protobuf → JSON: ConfigMap (zero scalars of non-pointer fields are unset; map values, even "", stay; bytes are base64)', () => {
  const raw = msg(
    f(1, objectMeta('settings', entry(11, 'app', 'web'), entry(12, 'note', ''))),
    entry(2, 'color', 'blue'),
    entry(2, 'empty', ''),
    entry(3, 'bin', Buffer.from([0, 1, 2])),
  );
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'ConfigMap', raw)), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', labels: { app: 'web' }, annotations: { note: '' } },
    data: { color: 'blue', empty: '' },
    binaryData: { bin: 'AAEC' },
  });
});

test('protobuf → JSON: Secret (metadata 1, data 2 as bytes → base64, type 3, stringData 4, immutable 5 a pointer)', () => {
  const raw = msg(
    f(1, objectMeta('tls')),
    entry(2, 'tls.crt', Buffer.from('CERT')),
    entry(2, 'tls.key', Buffer.from([0, 255])),
    f(3, 'kubernetes.io/tls'),
    entry(4, 'note', 'plain'),
    f(5, false),
  );
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'Secret', raw)), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'tls' },
    data: { 'tls.crt': 'Q0VSVA==', 'tls.key': 'AP8=' },
    type: 'kubernetes.io/tls',
    stringData: { note: 'plain' },
    immutable: false,
  });
  // type is a plain string: "" on the wire is unset (then defaulted to Opaque).
  assert.equal(decodeProtobufObject(envelope('v1', 'Secret', msg(f(1, objectMeta('s')), f(3, '')))).type, undefined);
});

test('protobuf → JSON: pointer fields keep their zero (ConfigMap.immutable false, Deployment replicas 0)', () => {
  const cm = decodeProtobufObject(envelope('v1', 'ConfigMap', msg(f(1, objectMeta('c')), f(4, false))));
  assert.equal(cm.immutable, false);
  const dep = decodeProtobufObject(envelope('apps/v1', 'Deployment', msg(f(1, objectMeta('d')), f(2, msg(f(1, 0), f(7, false))))));
  assert.deepEqual(dep.spec, { replicas: 0 }, 'replicas is *int32 (kept); paused is a plain bool (false = unset)');
});

test('protobuf → JSON: Deployment with selector, template, containers, ports, env, resources, probes, strategy, ownerReferences', () => {
  const container = msg(
    f(1, 'nginx'),
    f(2, 'nginx:1.27'),
    f(3, 'nginx'),
    f(4, '-g'),
    f(5, ''),
    f(6, msg(f(1, 'http'), f(2, 0), f(3, 80), f(4, 'TCP'), f(5, ''))),
    f(7, msg(f(1, 'MODE'), f(2, 'prod'))),
    f(8, msg(f(1, msg(f(1, 'cpu'), f(2, msg(f(1, '500m'))))), f(2, msg(f(1, 'memory'), f(2, msg(f(1, '64Mi'))))))),
    // readinessProbe 11: Probe{handler 1: ProbeHandler{httpGet 2: HTTPGetAction{path 1, port 2, host 3, scheme 4}}, initialDelaySeconds 2, …}
    f(11, msg(f(1, msg(f(2, msg(f(1, '/healthz'), f(2, intOrString('http')), f(3, ''), f(4, 'HTTP'))))), f(2, 0), f(3, 1), f(4, 5), f(5, 1), f(6, 3))),
    // livenessProbe 10: tcpSocket 3: TCPSocketAction{port 1, host 2}
    f(10, msg(f(1, msg(f(3, msg(f(1, intOrString(80)), f(2, '')))))  , f(4, 10))),
    f(13, ''),
    f(14, 'IfNotPresent'),
    f(16, false),
  );
  const podSpec = msg(f(2, container), f(3, 'Always'), f(4, 30), f(6, 'ClusterFirst'), f(21, false));
  const ownerRef = msg(f(1, 'Thing'), f(3, 'owner'), f(4, 'u-1'), f(5, 'example.com/v1'), f(6, true));
  const raw = msg(
    f(1, objectMeta('web', entry(11, 'app', 'web'), f(13, ownerRef))),
    f(
      2,
      msg(
        f(1, 2),
        f(2, msg(entry(1, 'app', 'web'), f(2, msg(f(1, 'tier'), f(2, 'In'), f(3, 'a'), f(3, 'b'))))),
        f(3, msg(f(1, objectMeta('', entry(11, 'app', 'web'))), f(2, podSpec))),
        f(4, msg(f(1, 'RollingUpdate'), f(2, msg(f(1, intOrString(0)), f(2, intOrString('25%')))))),
        f(5, 0),
        f(7, false),
      ),
    ),
    f(3, msg(f(1, 0), f(2, 0))),
  );
  assert.deepEqual(decodeProtobufObject(envelope('apps/v1', 'Deployment', raw)), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      labels: { app: 'web' },
      ownerReferences: [{ kind: 'Thing', name: 'owner', uid: 'u-1', apiVersion: 'example.com/v1', controller: true }],
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.27',
              command: ['nginx'],
              args: ['-g'],
              ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'MODE', value: 'prod' }],
              resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
              livenessProbe: { tcpSocket: { port: 80 }, periodSeconds: 10 },
              readinessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          automountServiceAccountToken: false,
        },
      },
      // maxUnavailable is *IntOrString: 0 is a real value.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
    },
    status: {},
  });
});

test('protobuf → JSON: Service ports with IntOrString targetPort (a zero one is unset), pointer strings kept', () => {
  const port = (name: string, p: number, target: number | string, nodePort: number): Buffer =>
    f(1, msg(f(1, name), f(2, 'TCP'), f(3, p), f(4, intOrString(target)), f(5, nodePort)));
  const raw = msg(
    f(1, objectMeta('web')),
    f(2, msg(port('http', 80, 8080, 0), port('dns', 53, 0, 30053), entry(2, 'app', 'web'), f(3, ''), f(4, 'NodePort'), f(7, ''), f(10, ''), f(12, 0), f(13, false), f(17, 'SingleStack'))),
    f(3, msg(f(1, msg()))),
  );
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'Service', raw)), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: {
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'dns', protocol: 'TCP', port: 53, nodePort: 30053 },
      ],
      selector: { app: 'web' },
      type: 'NodePort',
      ipFamilyPolicy: 'SingleStack',
    },
    status: { loadBalancer: {} },
  });
});

test('protobuf → JSON: Ingress rules (IngressRuleValue is inlined), paths, service backends, TLS, ingressClassName', () => {
  const backend = msg(f(4, msg(f(1, 'web'), f(2, msg(f(1, ''), f(2, 80))))));
  const path = msg(f(1, '/bar'), f(2, backend), f(3, 'Prefix'));
  const rule = msg(f(1, 'foo.com'), f(2, msg(f(1, msg(f(1, path))))));
  const raw = msg(f(1, objectMeta('ing')), f(2, msg(f(2, msg(f(1, 'foo.com'), f(2, 'secret1'))), f(3, rule), f(4, 'nginx'))), f(3, msg(f(1, msg()))));
  assert.deepEqual(decodeProtobufObject(envelope('networking.k8s.io/v1', 'Ingress', raw)), {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'ing' },
    spec: {
      tls: [{ hosts: ['foo.com'], secretName: 'secret1' }],
      rules: [{ host: 'foo.com', http: { paths: [{ path: '/bar', backend: { service: { name: 'web', port: { number: 80 } } }, pathType: 'Prefix' }] } }],
      ingressClassName: 'nginx',
    },
    status: { loadBalancer: {} },
  });
});

test('protobuf → JSON: Namespace and Pod; Time is RFC 3339 in whole seconds, the empty Time is unset', () => {
  const ns = decodeProtobufObject(envelope('v1', 'Namespace', msg(f(1, objectMeta('team')), f(2, msg()), f(3, msg(f(1, ''))))));
  assert.deepEqual(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' }, spec: {}, status: {} });
  // 2024-01-02T03:04:05Z = 1704164645 s; nanos are dropped as upstream's Time.Unmarshal drops them.
  const meta = msg(f(1, 'p'), f(3, 'default'), f(8, msg(f(1, 1704164645), f(2, 999))));
  const pod = decodeProtobufObject(envelope('v1', 'Pod', msg(f(1, meta), f(2, msg(f(2, msg(f(1, 'c'), f(2, 'nginx'))), f(10, 'node-1'))))));
  assert.deepEqual(pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: '2024-01-02T03:04:05Z' },
    spec: { containers: [{ name: 'c', image: 'nginx' }], nodeName: 'node-1' },
  });
});

test('protobuf → JSON: DeleteOptions in any group/version (kubectl drain deletes pods with a typed client)', () => {
  // gracePeriodSeconds 1 (*int64), preconditions 2 {uid 1, resourceVersion 2}, propagationPolicy 4, dryRun 5.
  const raw = msg(f(1, 0), f(2, msg(f(1, 'u-1'))), f(4, 'Background'), f(5, 'All'));
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'DeleteOptions', raw)), {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    gracePeriodSeconds: 0,
    preconditions: { uid: 'u-1' },
    propagationPolicy: 'Background',
    dryRun: ['All'],
  });
  assert.equal(decodeProtobufObject(envelope('apps/v1', 'DeleteOptions', msg())).kind, 'DeleteOptions');
});

const decodeError = (body: Buffer): ProtobufDecodeError => {
  try {
    decodeProtobufObject(body);
  } catch (err) {
    if (err instanceof ProtobufDecodeError) return err;
    throw err;
  }
  assert.fail('expected a ProtobufDecodeError');
};

test('protobuf errors: unknown field numbers are refused with message and number, never dropped', () => {
  const cases: { name: string; body: Buffer; code: number; message: RegExp }[] = [
    {
      name: 'a field number the schema lacks, deep inside a Pod',
      body: envelope('v1', 'Pod', msg(f(1, objectMeta('p')), f(2, msg(f(2, msg(f(1, 'c'), f(999, 'x'))))))),
      code: 415,
      message: /k8s\.io\.api\.core\.v1\.Container field 999 \(length-delimited\) is not in podnet's schema/,
    },
    {
      name: 'a known field with the wrong wire type',
      body: envelope('v1', 'ConfigMap', msg(f(1, objectMeta('c')), f(2, 7))),
      code: 415,
      message: /k8s\.io\.api\.core\.v1\.ConfigMap field 2 \(data\) arrived as varint/,
    },
    {
      name: 'an unknown field of the envelope',
      body: Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(f(1, msg(f(1, 'v1'), f(2, 'ConfigMap'))), f(9, 'x'))]),
      code: 415,
      message: /k8s\.io\.apimachinery\.pkg\.runtime\.Unknown field 9/,
    },
    { name: 'a kind podnet does not decode', body: envelope('v1', 'ServiceAccount', msg(f(1, objectMeta('s')))), code: 415, message: /cannot decode v1 ServiceAccount from protobuf/ },
    // Names of Object.prototype are not group/versions: an inherited property must not be looked up as one.
    { name: 'an apiVersion named like an Object property', body: envelope('constructor', 'X', msg()), code: 415, message: /cannot decode constructor X from protobuf/ },
    // Time.seconds beyond what a date holds (Go's time.Unix rejects years past 9999 when marshalling).
    { name: 'a Time out of range', body: envelope('v1', 'ConfigMap', msg(f(1, msg(f(1, 'c'), f(8, msg(f(1, 9_000_000_000_000_000n))))))), code: 400, message: /Time of 9000000000000000 seconds is out of range/ },
    { name: 'no magic', body: Buffer.from('{"kind":"ConfigMap"}'), code: 400, message: /expected prefix \[107 56 115 0\]/ },
    { name: 'truncated bytes', body: envelope('v1', 'ConfigMap', msg(f(1, objectMeta('c')))).subarray(0, 20), code: 400, message: /cannot decode the protobuf body/ },
    { name: 'no kind', body: envelope('v1', '', msg()), code: 400, message: /'Kind' is missing/ },
    {
      name: 'a content encoding',
      body: Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(f(1, msg(f(1, 'v1'), f(2, 'ConfigMap'))), f(2, msg()), f(3, 'gzip'))]),
      code: 415,
      message: /content encoding "gzip"/,
    },
  ];
  for (const c of cases) {
    const err = decodeError(c.body);
    assert.equal(err.code, c.code, c.name);
    assert.match(err.message, c.message, c.name);
  }
});

test('protobuf over HTTP: POST creates, dryRun commits nothing, an unknown field is a 415 Status', async () => {
  const c = await startCluster();
  try {
    const type = 'application/vnd.kubernetes.protobuf';
    const body = envelope('v1', 'ConfigMap', msg(f(1, objectMeta('from-proto')), entry(2, 'k', 'v')));
    const dry = await c.request('/api/v1/namespaces/default/configmaps?dryRun=All', { method: 'POST', body, contentType: type });
    assert.equal(dry.status, 201, dry.body);
    assert.equal(c.store.get('ConfigMap/default/from-proto'), undefined);
    const created = await c.request('/api/v1/namespaces/default/configmaps?fieldValidation=Strict', { method: 'POST', body, contentType: type });
    assert.equal(created.status, 201, created.body);
    assert.deepEqual(created.json().data, { k: 'v' });
    assert.deepEqual(c.store.get('ConfigMap/default/from-proto')?.data, { k: 'v' });
    // PUT (update) decodes protobuf too.
    const rv = c.store.get('ConfigMap/default/from-proto')!.metadata.resourceVersion!;
    const update = envelope('v1', 'ConfigMap', msg(f(1, msg(f(1, 'from-proto'), f(6, rv))), entry(2, 'k', 'v2')));
    const put = await c.request('/api/v1/namespaces/default/configmaps/from-proto', { method: 'PUT', body: update, contentType: type });
    assert.equal(put.status, 200, put.body);
    assert.deepEqual(c.store.get('ConfigMap/default/from-proto')?.data, { k: 'v2' });

    const bad = await c.request('/api/v1/namespaces/default/configmaps', { method: 'POST', body: envelope('v1', 'ConfigMap', msg(f(1, objectMeta('bad')), f(42, 1))), contentType: type });
    assert.equal(bad.status, 415, bad.body);
    const status = bad.json();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'UnsupportedMediaType');
    assert.match(String(status.message), /ConfigMap field 42 \(varint\) is not in podnet's schema/);
    assert.equal(c.store.get('ConfigMap/default/bad'), undefined);

    // DELETE with protobuf DeleteOptions: a uid precondition that does not match is a 409 Conflict.
    const del = (uid: string) =>
      c.request('/api/v1/namespaces/default/configmaps/from-proto', { method: 'DELETE', body: envelope('v1', 'DeleteOptions', msg(f(2, msg(f(1, uid))))), contentType: type });
    const conflicting = await del('not-the-uid');
    assert.equal(conflicting.status, 409, conflicting.body);
    assert.ok(c.store.get('ConfigMap/default/from-proto'));
    const deleted = await del(c.store.get('ConfigMap/default/from-proto')!.metadata.uid!);
    assert.equal(deleted.status, 200, deleted.body);
    assert.equal(c.store.get('ConfigMap/default/from-proto'), undefined);

    const wrongKind = await c.request('/api/v1/namespaces/default/configmaps', { method: 'POST', body: envelope('v1', 'Service', msg(f(1, objectMeta('svc')))), contentType: type });
    assert.equal(wrongKind.status, 400, wrongKind.body);
  } finally {
    await c.close();
  }
});
