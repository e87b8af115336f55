/**
 * Field ownership and server-side apply, per the Kubernetes server-side apply documentation
 * (concepts/overview/working-with-objects/server-side-apply): fieldsV1 shape, conflicts only on
 * changed values owned by another manager, force transfers ownership, dropped fields are removed
 * only when nobody else owns them, an Update takes the fields it changes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KObject } from '../../src/api/types.ts';
import { ApplyConflictError, fieldPaths, recordUpdate, serverSideApply, toFieldsV1, type ManagedFieldsEntry } from '../../src/server/managed-fields.ts';

const NOW = '2025-01-01T00:00:00Z';

const deploy = (replicas: number, image: string, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { replicas, template: { spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 80 }] }] } }, ...extra },
});

describe('fieldsV1', () => {
  test('keyed lists use k:{…} with "." for the element, maps f:, identity fields are not managed', () => {
    const tree = toFieldsV1(fieldPaths(deploy(2, 'a:1')));
    assert.deepEqual(tree, {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });
});

describe('server-side apply', () => {
  const first = serverSideApply({ entries: [], manager: 'alice', apiVersion: 'apps/v1', live: undefined, applied: deploy(2, 'a:1'), force: false, now: NOW });

  test('the first apply creates the object and gives the manager every applied field', () => {
    assert.equal((first.object.spec as { replicas: number }).replicas, 2);
    assert.deepEqual(first.entries.map((e) => [e.manager, e.operation]), [['alice', 'Apply']]);
  });

  test('another manager applying a different value of an owned field conflicts', () => {
    assert.throws(
      () => serverSideApply({ entries: first.entries, manager: 'bob', apiVersion: 'apps/v1', live: first.object, applied: deploy(5, 'a:1'), force: false, now: NOW }),
      (e: unknown) => e instanceof ApplyConflictError && e.conflicts.some((c) => c.manager === 'alice' && c.field === '.spec.replicas'),
    );
  });

  test('the same value is no conflict: both managers share the field', () => {
    const shared = serverSideApply({ entries: first.entries, manager: 'bob', apiVersion: 'apps/v1', live: first.object, applied: deploy(2, 'a:1'), force: false, now: NOW });
    assert.deepEqual(shared.entries.map((e) => e.manager), ['alice', 'bob']);
  });

  test('force takes ownership of the conflicting field from the other manager', () => {
    const forced = serverSideApply({ entries: first.entries, manager: 'bob', apiVersion: 'apps/v1', live: first.object, applied: { ...deploy(5, 'a:1'), spec: { replicas: 5 } }, force: true, now: NOW });
    assert.equal((forced.object.spec as { replicas: number }).replicas, 5);
    const alice = forced.entries.find((e) => e.manager === 'alice') as ManagedFieldsEntry;
    assert.equal((alice.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'], undefined);
  });

  test('a field the manager stops applying is removed when nobody else owns it', () => {
    const withStrategy = serverSideApply({ entries: first.entries, manager: 'alice', apiVersion: 'apps/v1', live: first.object, applied: deploy(2, 'a:1', { paused: true }), force: false, now: NOW });
    assert.equal((withStrategy.object.spec as { paused?: boolean }).paused, true);
    const dropped = serverSideApply({ entries: withStrategy.entries, manager: 'alice', apiVersion: 'apps/v1', live: withStrategy.object, applied: deploy(2, 'a:1'), force: false, now: NOW });
    assert.equal((dropped.object.spec as { paused?: boolean }).paused, undefined);
  });

  test('…but kept when another manager owns it too', () => {
    const both = serverSideApply({ entries: first.entries, manager: 'bob', apiVersion: 'apps/v1', live: first.object, applied: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } } }, force: false, now: NOW });
    const aliceDropsLabels = serverSideApply({ entries: both.entries, manager: 'alice', apiVersion: 'apps/v1', live: both.object, applied: { ...deploy(2, 'a:1'), metadata: { name: 'web' } }, force: false, now: NOW });
    assert.deepEqual(aliceDropsLabels.object.metadata.labels, { app: 'web' });
  });

  test('re-applying the same configuration changes nothing, not even the entry time', () => {
    const again = serverSideApply({ entries: first.entries, manager: 'alice', apiVersion: 'apps/v1', live: first.object, applied: deploy(2, 'a:1'), force: false, now: '2030-01-01T00:00:00Z' });
    assert.deepEqual(again.object, first.object);
    assert.deepEqual(again.entries, first.entries);
  });
});

describe('updates', () => {
  test('an Update takes the fields it changed away from the applier, without conflict', () => {
    const applied = serverSideApply({ entries: [], manager: 'alice', apiVersion: 'apps/v1', live: undefined, applied: deploy(2, 'a:1'), force: false, now: NOW });
    const entries = recordUpdate({ entries: applied.entries, manager: 'kubectl-scale', apiVersion: 'apps/v1', before: applied.object, after: deploy(4, 'a:1'), now: NOW });
    const scale = entries.find((e) => e.manager === 'kubectl-scale') as ManagedFieldsEntry;
    assert.deepEqual(scale.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    const alice = entries.find((e) => e.manager === 'alice') as ManagedFieldsEntry;
    assert.equal((alice.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'], undefined);
  });
});
