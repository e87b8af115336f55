/** The structural schema of each kind podnet serves. */
import { DAEMON_SET, DEPLOYMENT, REPLICA_SET, STATEFUL_SET } from './schema-apps.ts';
import { CONFIG_MAP, ENDPOINTS, NAMESPACE, NODE, POD, SECRET, SERVICE } from './schema-core.ts';
import { GATEWAY, GATEWAY_CLASS, HTTP_ROUTE, REFERENCE_GRANT } from './schema-gateway.ts';
import { ENDPOINT_SLICE, INGRESS, INGRESS_CLASS, NETWORK_POLICY } from './schema-networking.ts';
import type { Schema } from './schema.ts';

export const KIND_SCHEMAS: Readonly<Record<string, Schema>> = {
  Namespace: NAMESPACE,
  Node: NODE,
  Pod: POD,
  Service: SERVICE,
  Endpoints: ENDPOINTS,
  ConfigMap: CONFIG_MAP,
  Secret: SECRET,
  EndpointSlice: ENDPOINT_SLICE,
  NetworkPolicy: NETWORK_POLICY,
  Ingress: INGRESS,
  IngressClass: INGRESS_CLASS,
  GatewayClass: GATEWAY_CLASS,
  Gateway: GATEWAY,
  HTTPRoute: HTTP_ROUTE,
  ReferenceGrant: REFERENCE_GRANT,
  Deployment: DEPLOYMENT,
  ReplicaSet: REPLICA_SET,
  StatefulSet: STATEFUL_SET,
  DaemonSet: DAEMON_SET,
};
