/**
 * Structural schemas of gateway.networking.k8s.io kinds (v1 / v1beta1, field names per the v1.4
 * Go types). Core and Extended fields are typed; experimental-channel blocks are known by name.
 */
import { conditions, labelSelector, topLevel } from './schema-core.ts';
import { any, int, listOf, obj, str, stringMap, strings } from './schema.ts';

const localRef = obj({ group: str, kind: str, name: str });
const secretRef = obj({ group: str, kind: str, name: str, namespace: str });
export const parentRef = obj({ group: str, kind: str, namespace: str, name: str, sectionName: str, port: int });
const backendObjectRef = obj({ group: str, kind: str, name: str, namespace: str, port: int });
const headerList = listOf(obj({ name: str, value: str }));
const headerModifier = obj({ set: headerList, add: headerList, remove: strings });
const pathModifier = obj({ type: str, replaceFullPath: str, replacePrefixMatch: str });

const filter = obj({
  type: str,
  requestHeaderModifier: headerModifier,
  responseHeaderModifier: headerModifier,
  requestMirror: obj({ backendRef: backendObjectRef, percent: int, fraction: obj({ numerator: int, denominator: int }) }),
  requestRedirect: obj({ scheme: str, hostname: str, path: pathModifier, port: int, statusCode: int }),
  urlRewrite: obj({ hostname: str, path: pathModifier }),
  extensionRef: localRef,
  cors: any,
  externalAuth: any,
});

const listener = obj({
  name: str,
  hostname: str,
  port: int,
  protocol: str,
  tls: obj({ mode: str, certificateRefs: listOf(secretRef), options: stringMap, frontendValidation: any }),
  allowedRoutes: obj({
    namespaces: obj({ from: str, selector: labelSelector }),
    kinds: listOf(obj({ group: str, kind: str })),
  }),
});

export const GATEWAY_CLASS = topLevel({
  spec: obj({ controllerName: str, parametersRef: obj({ group: str, kind: str, name: str, namespace: str }), description: str }),
  status: obj({ conditions, supportedFeatures: any }),
});

export const GATEWAY = topLevel({
  spec: obj({
    gatewayClassName: str,
    listeners: listOf(listener),
    addresses: listOf(obj({ type: str, value: str })),
    infrastructure: obj({ labels: stringMap, annotations: stringMap, parametersRef: localRef }),
    allowedListeners: any,
    backendTLS: any,
    tls: any,
    defaultScope: str,
  }),
  status: obj({
    addresses: listOf(obj({ type: str, value: str })),
    conditions,
    listeners: listOf(obj({ name: str, supportedKinds: listOf(obj({ group: str, kind: str })), attachedRoutes: int, conditions })),
    attachedListenerSets: int,
  }),
});

export const HTTP_ROUTE = topLevel({
  spec: obj({
    parentRefs: listOf(parentRef),
    hostnames: strings,
    useDefaultGateways: str,
    rules: listOf(
      obj({
        name: str,
        matches: listOf(
          obj({
            path: obj({ type: str, value: str }),
            headers: listOf(obj({ type: str, name: str, value: str })),
            queryParams: listOf(obj({ type: str, name: str, value: str })),
            method: str,
          }),
        ),
        filters: listOf(filter),
        backendRefs: listOf(obj({ group: str, kind: str, name: str, namespace: str, port: int, weight: int, filters: listOf(filter) })),
        timeouts: obj({ request: str, backendRequest: str }),
        retry: any,
        sessionPersistence: any,
      }),
    ),
  }),
  status: obj({ parents: listOf(obj({ parentRef, controllerName: str, conditions })) }),
});

export const REFERENCE_GRANT = topLevel({
  spec: obj({
    from: listOf(obj({ group: str, kind: str, namespace: str })),
    to: listOf(obj({ group: str, kind: str, name: str })),
  }),
});
