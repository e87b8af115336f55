/**
 * Secrets in a `kubectl get secrets,ing -A -o yaml` dump (server metadata, managedFields, the
 * last-applied annotation, a service-account token, a TLS Secret an Ingress names) round-trip:
 * apply keeps every Secret with its type and data, `get -o yaml` returns them as they were, and
 * applying the same dump again changes nothing.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { Sandbox } from '../cli/helpers.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const DUMP = `apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
- apiVersion: v1
  data:
    tls.crt: ${b64('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')}
    tls.key: ${b64('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n')}
  kind: Secret
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"v1","kind":"Secret","metadata":{"annotations":{},"name":"shop-tls","namespace":"shop"},"type":"kubernetes.io/tls"}
    creationTimestamp: "2025-01-10T09:00:00Z"
    managedFields:
    - apiVersion: v1
      fieldsType: FieldsV1
      fieldsV1:
        f:data:
          .: {}
          f:tls.crt: {}
          f:tls.key: {}
        f:type: {}
      manager: kubectl-client-side-apply
      operation: Update
      time: "2025-01-10T09:00:00Z"
    name: shop-tls
    namespace: shop
    resourceVersion: "4711"
    uid: 0b1c2d3e-0000-4000-8000-000000000001
  type: kubernetes.io/tls
- apiVersion: v1
  data:
    token: ${b64('eyJhbGciOi.token')}
    ca.crt: ${b64('CA')}
    namespace: ${b64('shop')}
  kind: Secret
  metadata:
    annotations:
      kubernetes.io/service-account.name: builder
      kubernetes.io/service-account.uid: 9f8e7d6c-0000-4000-8000-000000000002
    creationTimestamp: "2025-01-10T09:00:01Z"
    name: builder-token
    namespace: shop
    resourceVersion: "4712"
    uid: 0b1c2d3e-0000-4000-8000-000000000003
  type: kubernetes.io/service-account-token
- apiVersion: v1
  immutable: true
  data:
    empty: ""
    settings.json: ${b64('{"a":1}')}
  kind: Secret
  metadata:
    creationTimestamp: "2025-01-10T09:00:02Z"
    name: frozen
    namespace: shop
    resourceVersion: "4713"
    uid: 0b1c2d3e-0000-4000-8000-000000000004
  type: Opaque
- apiVersion: networking.k8s.io/v1
  kind: Ingress
  metadata:
    name: shop
    namespace: shop
    resourceVersion: "4714"
  spec:
    tls:
    - hosts: [shop.example.com]
      secretName: shop-tls
    rules:
    - host: shop.example.com
      http:
        paths:
        - path: /
          pathType: Prefix
          backend:
            service: {name: web, port: {number: 80}}
`;

interface SecretObj {
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
  immutable?: boolean;
}

describe('Secrets in a kubectl dump round-trip', () => {
  const box = new Sandbox();
  after(() => box.remove());
  const file = box.file('dump.yaml', `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n${DUMP}`);
  const source = (parse(DUMP) as { items: SecretObj[] }).items.filter((o) => o.kind === 'Secret');

  test('apply keeps every Secret (none is skipped)', () => {
    const r = box.run(['apply', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /skipping/);
    assert.match(r.stdout, /^secret\/shop-tls created$/m);
    assert.match(r.stdout, /^secret\/builder-token created$/m);
    assert.match(r.stdout, /^secret\/frozen created$/m);
  });

  test('get -o yaml returns type, data, immutable and annotations as dumped', () => {
    const got = (parse(box.run(['get', 'secrets', '-A', '-o', 'yaml']).stdout) as { items: SecretObj[] }).items;
    const shape = (o: SecretObj) => ({ ns: o.metadata.namespace, name: o.metadata.name, type: o.type, data: o.data, immutable: o.immutable, sa: o.metadata.annotations?.['kubernetes.io/service-account.name'] });
    assert.deepEqual(got.map(shape).sort((a, b) => a.name.localeCompare(b.name)), source.map(shape).sort((a, b) => a.name.localeCompare(b.name)));
  });

  test('applying the dump again changes nothing', () => {
    const r = box.run(['apply', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^secret\/shop-tls unchanged$/m);
    assert.match(r.stdout, /^secret\/frozen unchanged$/m);
  });
});
