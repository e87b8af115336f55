/**
 * OpenAPI component schemas of the built-in kinds: upstream's schema names, the GVK extension
 * `kubectl explain` and client-side apply look for, and the strategic merge patch tags of
 * k8s.io/api types.go (patchMergeKey / patchStrategy) that apply computes its patches from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listSemantics } from '../../src/server/list-keys.ts';
import { openapiGroupVersion } from '../../src/server/openapi.ts';

type Schema = { properties?: Record<string, Schema>; items?: Schema; allOf?: { $ref: string }[]; [k: string]: unknown };

function doc(group: string, version: string): Record<string, Schema> {
  const d = openapiGroupVersion(group, version);
  assert.ok(d);
  return (JSON.parse(d.body) as { components: { schemas: Record<string, Schema> } }).components.schemas;
}

test('kind schemas carry x-kubernetes-group-version-kind as a list, under upstream names', () => {
  const core = doc('', 'v1');
  assert.deepEqual(core['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
  assert.deepEqual(doc('apps', 'v1')['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  assert.deepEqual(Object.keys(core['io.k8s.api.core.v1.Pod'].properties ?? {}), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  assert.equal(core['io.k8s.api.core.v1.Container']['x-kubernetes-group-version-kind'], undefined, 'only kinds carry a GVK');
});

test('Secret: io.k8s.api.core.v1.Secret with upstream JSON types (data map of byte strings, stringData map of strings)', () => {
  const secret = doc('', 'v1')['io.k8s.api.core.v1.Secret'];
  assert.deepEqual(secret['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Secret' }]);
  const p = secret.properties ?? {};
  assert.deepEqual(Object.keys(p).sort(), ['apiVersion', 'data', 'immutable', 'kind', 'metadata', 'stringData', 'type']);
  assert.deepEqual(p.data.additionalProperties, { type: 'string', format: 'byte' });
  assert.deepEqual(p.stringData.additionalProperties, { type: 'string' });
  assert.equal(p.immutable.type, 'boolean');
  assert.equal(p.type.type, 'string');
});

test('strategic merge patch tags from types.go', () => {
  const core = doc('', 'v1');
  const apps = doc('apps', 'v1');
  const cases: [Schema | undefined, string | undefined, string | undefined, string][] = [
    [core['io.k8s.api.core.v1.PodSpec'].properties?.containers, 'name', 'merge', 'PodSpec.containers'],
    [core['io.k8s.api.core.v1.PodSpec'].properties?.volumes, 'name', 'merge,retainKeys', 'PodSpec.volumes'],
    [core['io.k8s.api.core.v1.PodSpec'].properties?.tolerations, undefined, undefined, 'PodSpec.tolerations (atomic)'],
    [core['io.k8s.api.core.v1.Container'].properties?.ports, 'containerPort', 'merge', 'Container.ports'],
    [core['io.k8s.api.core.v1.Container'].properties?.env, 'name', 'merge', 'Container.env'],
    [core['io.k8s.api.core.v1.ServiceSpec'].properties?.ports, 'port', 'merge', 'ServiceSpec.ports'],
    [core['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties?.finalizers, undefined, 'merge', 'ObjectMeta.finalizers'],
    [apps['io.k8s.api.apps.v1.DeploymentSpec'].properties?.strategy, undefined, 'retainKeys', 'DeploymentSpec.strategy'],
  ];
  for (const [schema, key, strategy, name] of cases) {
    assert.ok(schema, name);
    assert.equal(schema['x-kubernetes-patch-merge-key'], key, name);
    assert.equal(schema['x-kubernetes-patch-strategy'], strategy, name);
  }
});

test('JSON shapes: embedded structs inlined, IntOrString and Quantity as upstream, references by allOf', () => {
  const core = doc('', 'v1');
  const probe = core['io.k8s.api.core.v1.Probe'].properties ?? {};
  assert.ok(probe.httpGet && probe.tcpSocket && probe.exec, 'ProbeHandler is embedded in Probe');
  assert.equal(probe.handler, undefined);
  const volume = core['io.k8s.api.core.v1.Volume'].properties ?? {};
  assert.ok(volume.name && volume.emptyDir && volume.configMap, 'VolumeSource is embedded in Volume');
  assert.deepEqual(core['io.k8s.api.core.v1.ServicePort'].properties?.targetPort.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }]);
  assert.equal(core['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['x-kubernetes-int-or-string'], true);
  assert.equal(core['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
  const every = Object.values(core).flatMap((s) => Object.values(s.properties ?? {}));
  for (const p of every) for (const r of [...(p.allOf ?? []), ...(p.items?.allOf ?? [])]) assert.ok(core[r.$ref.replace('#/components/schemas/', '')], `${r.$ref} resolves`);
});

test('kinds without a protobuf schema (Gateway API) keep a stub without GVK', () => {
  const gw = doc('gateway.networking.k8s.io', 'v1');
  for (const s of Object.values(gw)) assert.equal(s['x-kubernetes-group-version-kind'], undefined);
});

/**
 * kubectl's client-side apply merges lists by the OpenAPI patch-merge-keys; the server merges strategic
 * patches by list-keys.ts. Both come from the same types.go tags, so they must name the same key for
 * every list a user applies (a disagreement would make an apply and the server merge differently).
 * Lists under a status are left out: kubectl apply does not write status.
 */
test('every x-kubernetes-patch-merge-key outside status is the mergeKey the server merges strategic patches by (list-keys.ts)', () => {
  const groups: [string, string][] = [['', 'v1'], ['apps', 'v1'], ['networking.k8s.io', 'v1'], ['discovery.k8s.io', 'v1']];
  const found: string[] = [];
  for (const [group, version] of groups) {
    const schemas = doc(group, version);
    const resolve = (s: Schema): Schema => (s.allOf ? schemas[s.allOf[0].$ref.replace('#/components/schemas/', '')] : s);
    for (const [name, kindSchema] of Object.entries(schemas)) {
      const gvk = kindSchema['x-kubernetes-group-version-kind'] as { kind: string }[] | undefined;
      if (!gvk) continue;
      const kind = gvk[0].kind;
      const walk = (s: Schema, path: string[], seen: Set<Schema>): void => {
        const own = resolve(s);
        if (seen.has(own) || path.length > 12) return;
        for (const [field, prop] of Object.entries(own.properties ?? {})) {
          const at = [...path, field];
          const key = prop['x-kubernetes-patch-merge-key'];
          if (typeof key === 'string' && prop.type === 'array' && !at.includes('status')) {
            found.push(`${kind} ${at.join('.')}`);
            assert.equal(listSemantics(kind, at).mergeKey, key, `${name} ${at.join('.')}`);
          }
          const next = prop.items ?? prop;
          if (next.allOf) walk(next, at, new Set([...seen, own]));
        }
      };
      walk(kindSchema, [], new Set());
    }
  }
  assert.ok(found.includes('Pod spec.containers') && found.includes('Deployment spec.template.spec.containers.ports'), found.join('\n'));
});
