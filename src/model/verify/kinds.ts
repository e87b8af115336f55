/**
 * The check kinds `podnet verify` knows, by the key that names them in an Expectations file.
 * Each area adds its kind here (reach, proxyPath, dns, resolvconf, http, …).
 */
import type { CheckKind } from './check.ts';
import { dnsCheck } from './dns-check.ts';
import { endpointsCheck } from './endpoints-check.ts';
import { httpCheck } from './http-check.ts';
import { proxyPathCheck } from './proxy-path-check.ts';
import { reachCheck } from './reach-check.ts';
import { resolvconfCheck } from './resolvconf-check.ts';
import { routeStatusCheck } from './route-status-check.ts';

export const CHECK_KINDS: Readonly<Record<string, CheckKind>> = {
  endpoints: endpointsCheck,
  http: httpCheck,
  routeStatus: routeStatusCheck,
  reach: reachCheck,
  proxyPath: proxyPathCheck,
  dns: dnsCheck,
  resolvconf: resolvconfCheck,
};
