/**
 * Structural schemas of apps/v1 workloads: spec and status field names as upstream; the selector and
 * pod template typed, rollout knobs known by name only.
 */
import { conditions, labelSelector, podTemplateSpec, topLevel } from './schema-core.ts';
import { any, int, known, obj, str } from './schema.ts';

export const DEPLOYMENT = topLevel({
  spec: known(['strategy', 'paused'], {
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
  spec: known(['volumeClaimTemplates', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy'], {
    replicas: int, selector: labelSelector, template: podTemplateSpec, serviceName: str, podManagementPolicy: str,
    revisionHistoryLimit: int, minReadySeconds: int, ordinals: obj({ start: int }),
  }),
  status: known(
    ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision', 'collisionCount', 'availableReplicas'],
    { conditions },
  ),
});

export const DAEMON_SET = topLevel({
  spec: obj({ selector: labelSelector, template: podTemplateSpec, updateStrategy: any, minReadySeconds: int, revisionHistoryLimit: int }),
  status: known(
    ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount'],
    { conditions },
  ),
});
