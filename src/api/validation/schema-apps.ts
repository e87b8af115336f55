/**
 * Structural schemas of apps/v1 workloads: spec and status field names as upstream; the selector and
 * pod template typed, and the update strategies the controllers read.
 */
import { conditions, labelSelector, podTemplateSpec, topLevel } from './schema-core.ts';
import { bool, int, intOrString, known, obj, str, type Schema } from './schema.ts';

/** An update strategy: its type and the rolling-update knobs the controllers read. */
const strategy = (rollingUpdate: Record<string, Schema>): Schema => obj({ type: str, rollingUpdate: obj(rollingUpdate) });

export const DEPLOYMENT = topLevel({
  spec: obj({
    strategy: strategy({ maxUnavailable: intOrString, maxSurge: intOrString }), paused: bool,
    replicas: int, selector: labelSelector, template: podTemplateSpec, minReadySeconds: int,
    revisionHistoryLimit: int, progressDeadlineSeconds: int,
  }),
  status: known(
    ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'terminatingReplicas', 'collisionCount'],
    { conditions },
  ),
});

export const REPLICA_SET = topLevel({
  spec: obj({ replicas: int, minReadySeconds: int, selector: labelSelector, template: podTemplateSpec }),
  status: known(['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'terminatingReplicas', 'observedGeneration'], {
    conditions,
  }),
});

export const STATEFUL_SET = topLevel({
  spec: known(['volumeClaimTemplates'], {
    updateStrategy: strategy({ partition: int, maxUnavailable: intOrString }),
    persistentVolumeClaimRetentionPolicy: obj({ whenDeleted: str, whenScaled: str }),
    replicas: int, selector: labelSelector, template: podTemplateSpec, serviceName: str, podManagementPolicy: str,
    revisionHistoryLimit: int, minReadySeconds: int, ordinals: obj({ start: int }),
  }),
  status: known(
    ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision', 'collisionCount', 'availableReplicas'],
    { conditions },
  ),
});

export const DAEMON_SET = topLevel({
  spec: obj({ selector: labelSelector, template: podTemplateSpec, updateStrategy: strategy({ maxUnavailable: intOrString, maxSurge: intOrString }), minReadySeconds: int, revisionHistoryLimit: int }),
  status: known(
    ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount'],
    { conditions },
  ),
});
