/**
 * Structural schemas of discovery.k8s.io/v1 and networking.k8s.io/v1 kinds, typed completely
 * (every field of these kinds matters to networking).
 */
import { conditions, endpointPort, labelSelector, objectReference, topLevel } from './schema-core.ts';
import { bool, int, intOrString, listOf, obj, str, stringMap, strings } from './schema.ts';

export const ENDPOINT_SLICE = topLevel({
  addressType: str,
  endpoints: listOf(
    obj({
      addresses: strings,
      conditions: obj({ ready: bool, serving: bool, terminating: bool }),
      hostname: str,
      targetRef: objectReference,
      nodeName: str,
      zone: str,
      hints: obj({ forZones: listOf(obj({ name: str })), forNodes: listOf(obj({ name: str })) }),
      deprecatedTopology: stringMap,
    }),
  ),
  ports: listOf(endpointPort),
});

const networkPolicyPort = obj({ protocol: str, port: intOrString, endPort: int });
const networkPolicyPeer = obj({
  podSelector: labelSelector,
  namespaceSelector: labelSelector,
  ipBlock: obj({ cidr: str, except: strings }),
});

export const NETWORK_POLICY = topLevel({
  spec: obj({
    podSelector: labelSelector,
    ingress: listOf(obj({ ports: listOf(networkPolicyPort), from: listOf(networkPolicyPeer) })),
    egress: listOf(obj({ ports: listOf(networkPolicyPort), to: listOf(networkPolicyPeer) })),
    policyTypes: strings,
  }),
  // NetworkPolicyStatus existed in 1.24–1.27; dumps from those clusters carry it.
  status: obj({ conditions }),
});

const ingressBackend = obj({
  service: obj({ name: str, port: obj({ name: str, number: int }) }),
  resource: obj({ apiGroup: str, kind: str, name: str }),
});

export const INGRESS = topLevel({
  spec: obj({
    ingressClassName: str,
    defaultBackend: ingressBackend,
    tls: listOf(obj({ hosts: strings, secretName: str })),
    rules: listOf(obj({ host: str, http: obj({ paths: listOf(obj({ path: str, pathType: str, backend: ingressBackend })) }) })),
  }),
  status: obj({
    loadBalancer: obj({ ingress: listOf(obj({ ip: str, hostname: str, ports: listOf(obj({ port: int, protocol: str, error: str })) })) }),
  }),
});

export const INGRESS_CLASS = topLevel({
  spec: obj({ controller: str, parameters: obj({ apiGroup: str, kind: str, name: str, scope: str, namespace: str }) }),
});
