/**
 * Structural schemas of the core/v1 kinds (field names as in k8s.io/api/core/v1 types.go). What
 * networking reads is typed in detail; the rest of a PodSpec or Container is known by name only, so
 * real `kubectl get -o yaml` dumps pass while a typo (`spec.portz`) is an unknown field.
 */
import { any, bool, int, intOrString, known, listOf, mapOf, obj, str, stringMap, strings, type Schema } from './schema.ts';

export const objectReference = obj({
  kind: str, namespace: str, name: str, uid: str, apiVersion: str, resourceVersion: str, fieldPath: str,
});

export const objectMeta = obj({
  name: str, generateName: str, namespace: str, selfLink: str, uid: str, resourceVersion: str,
  generation: int, creationTimestamp: str, deletionTimestamp: str, deletionGracePeriodSeconds: int,
  labels: stringMap, annotations: stringMap,
  ownerReferences: listOf(obj({ apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool })),
  finalizers: strings,
  managedFields: listOf(obj({ manager: str, operation: str, apiVersion: str, time: str, fieldsType: str, fieldsV1: any, subresource: str })),
});

export const labelSelector = obj({
  matchLabels: stringMap,
  matchExpressions: listOf(obj({ key: str, operator: str, values: strings })),
});

/** metav1.Condition and the core/apps condition types (a union of their fields). */
export const condition = obj({
  type: str, status: str, observedGeneration: int, lastTransitionTime: str, lastProbeTime: str,
  lastHeartbeatTime: str, lastUpdateTime: str, reason: str, message: str,
});
export const conditions = listOf(condition);

const portStatus = obj({ port: int, protocol: str, error: str });
export const loadBalancerStatus = obj({
  ingress: listOf(obj({ ip: str, hostname: str, ipMode: str, ports: listOf(portStatus) })),
});

export const containerPort = obj({ name: str, hostPort: int, containerPort: int, protocol: str, hostIP: str });

const CONTAINER_FIELDS = [
  'name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'resizePolicy',
  'restartPolicy', 'restartPolicyRules', 'volumeMounts', 'volumeDevices', 'livenessProbe', 'readinessProbe',
  'startupProbe', 'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy',
  'securityContext', 'stdin', 'stdinOnce', 'tty',
  // EphemeralContainer only:
  'targetContainerName',
];

export const container = known(CONTAINER_FIELDS, {
  name: str, image: str, command: strings, args: strings, ports: listOf(containerPort),
  stdin: bool, stdinOnce: bool, tty: bool,
});

const POD_SPEC_FIELDS = [
  'volumes', 'initContainers', 'containers', 'ephemeralContainers', 'restartPolicy', 'terminationGracePeriodSeconds',
  'activeDeadlineSeconds', 'dnsPolicy', 'nodeSelector', 'serviceAccountName', 'serviceAccount',
  'automountServiceAccountToken', 'nodeName', 'hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace',
  'securityContext', 'imagePullSecrets', 'hostname', 'subdomain', 'affinity', 'schedulerName', 'tolerations',
  'hostAliases', 'priorityClassName', 'priority', 'dnsConfig', 'readinessGates', 'runtimeClassName',
  'enableServiceLinks', 'preemptionPolicy', 'overhead', 'topologySpreadConstraints', 'setHostnameAsFQDN', 'os',
  'hostUsers', 'schedulingGates', 'resourceClaims', 'resources', 'hostnameOverride',
];

export const podSpec = known(POD_SPEC_FIELDS, {
  containers: listOf(container),
  initContainers: listOf(container),
  ephemeralContainers: listOf(container),
  restartPolicy: str,
  terminationGracePeriodSeconds: int,
  activeDeadlineSeconds: int,
  dnsPolicy: str,
  nodeSelector: stringMap,
  serviceAccountName: str,
  nodeName: str,
  hostNetwork: bool,
  hostPID: bool,
  hostIPC: bool,
  hostname: str,
  subdomain: str,
  schedulerName: str,
  tolerations: listOf(obj({ key: str, operator: str, value: str, effect: str, tolerationSeconds: int })),
  hostAliases: listOf(obj({ ip: str, hostnames: strings })),
  priority: int,
  dnsConfig: obj({ nameservers: strings, searches: strings, options: listOf(obj({ name: str, value: str })) }),
  setHostnameAsFQDN: bool,
  hostnameOverride: str,
});

const POD_STATUS_FIELDS = [
  'observedGeneration', 'phase', 'conditions', 'message', 'reason', 'nominatedNodeName', 'hostIP', 'hostIPs',
  'podIP', 'podIPs', 'startTime', 'initContainerStatuses', 'containerStatuses', 'qosClass',
  'ephemeralContainerStatuses', 'resize', 'resourceClaimStatuses', 'extendedResourceClaimStatus',
  'allocatedResources', 'resources',
];

const ipEntry = listOf(obj({ ip: str }));

export const podStatus = known(POD_STATUS_FIELDS, {
  observedGeneration: int, phase: str, conditions, message: str, reason: str, nominatedNodeName: str,
  hostIP: str, hostIPs: ipEntry, podIP: str, podIPs: ipEntry, startTime: str,
});

export const podTemplateSpec = obj({ metadata: objectMeta, spec: podSpec });

/** Fields every top-level object has. */
export function topLevel(fields: Record<string, Schema>): Schema {
  return obj({ apiVersion: str, kind: str, metadata: objectMeta, ...fields });
}

export const servicePort = obj({ name: str, protocol: str, appProtocol: str, port: int, targetPort: intOrString, nodePort: int });

export const SERVICE = topLevel({
  spec: obj({
    ports: listOf(servicePort),
    selector: stringMap,
    clusterIP: str,
    clusterIPs: strings,
    type: str,
    externalIPs: strings,
    sessionAffinity: str,
    loadBalancerIP: str,
    loadBalancerSourceRanges: strings,
    externalName: str,
    externalTrafficPolicy: str,
    healthCheckNodePort: int,
    publishNotReadyAddresses: bool,
    sessionAffinityConfig: obj({ clientIP: obj({ timeoutSeconds: int }) }),
    ipFamilies: strings,
    ipFamilyPolicy: str,
    allocateLoadBalancerNodePorts: bool,
    loadBalancerClass: str,
    internalTrafficPolicy: str,
    trafficDistribution: str,
  }),
  status: obj({ loadBalancer: loadBalancerStatus, conditions }),
});

export const POD = topLevel({ spec: podSpec, status: podStatus });

const endpointAddress = obj({ ip: str, hostname: str, nodeName: str, targetRef: objectReference });
export const endpointPort = obj({ name: str, port: int, protocol: str, appProtocol: str });

export const ENDPOINTS = topLevel({
  subsets: listOf(obj({ addresses: listOf(endpointAddress), notReadyAddresses: listOf(endpointAddress), ports: listOf(endpointPort) })),
});

const NODE_STATUS_FIELDS = [
  'capacity', 'allocatable', 'phase', 'conditions', 'addresses', 'daemonEndpoints', 'nodeInfo', 'images',
  'volumesInUse', 'volumesAttached', 'config', 'runtimeHandlers', 'features', 'declaredFeatures',
];

export const NODE = topLevel({
  spec: obj({
    podCIDR: str,
    podCIDRs: strings,
    providerID: str,
    unschedulable: bool,
    taints: listOf(obj({ key: str, value: str, effect: str, timeAdded: str })),
    configSource: any,
    externalID: str,
  }),
  status: known(NODE_STATUS_FIELDS, {
    capacity: mapOf(intOrString),
    allocatable: mapOf(intOrString),
    conditions,
    addresses: listOf(obj({ type: str, address: str })),
  }),
});

export const NAMESPACE = topLevel({
  spec: obj({ finalizers: strings }),
  status: obj({ phase: str, conditions }),
});

export const CONFIG_MAP = topLevel({ data: stringMap, binaryData: stringMap, immutable: bool });

export const SECRET = topLevel({ type: str, data: stringMap, stringData: stringMap, immutable: bool });
