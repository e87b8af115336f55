/**
 * CNI spec 1.0 types (containernetworking/cni SPEC.md): network configuration, results, errors.
 * Plugins read a network configuration on stdin and answer with a result or an error as JSON.
 */

export interface CNIInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** Namespace path for interfaces inside the container; absent for host interfaces. */
  sandbox?: string;
}

export interface CNIIPConfig {
  /** Index into `interfaces`. */
  interface?: number;
  /** CIDR notation: the address and its prefix length. */
  address: string;
  gateway?: string;
  /** Only in 0.3.x/0.4.0 results. */
  version?: '4' | '6';
}

export interface CNIRoute {
  dst: string;
  gw?: string;
}

export interface CNIDNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CNIResult {
  cniVersion: string;
  interfaces?: CNIInterface[];
  ips?: CNIIPConfig[];
  routes?: CNIRoute[];
  dns?: CNIDNS;
}

export interface CNIErrorBody {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

export interface IPAMConf {
  type: string;
  [key: string]: unknown;
}

/** One plugin's entry in a configuration list. */
export interface PluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  ipam?: IPAMConf;
  dns?: CNIDNS;
  [key: string]: unknown;
}

/** One plugin's configuration as it is given on stdin (the runtime adds name, cniVersion, prevResult, runtimeConfig). */
export interface NetConf extends PluginConf {
  cniVersion: string;
  name: string;
  runtimeConfig?: Record<string, unknown>;
  prevResult?: CNIResult;
  [key: string]: unknown;
}

/** A network configuration list (`.conflist`). */
export interface NetConfList {
  cniVersion: string;
  name: string;
  disableCheck?: boolean;
  plugins: PluginConf[];
}

export const CNI_VERSION = '1.0.0';
/** Versions whose result shape we can produce (0.1.0/0.2.0 had the older ip4/ip6 result). */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const;

/** Well-known error codes (SPEC.md "Error" section). */
export const CNIErrorCode = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnv: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidNetworkConfig: 7,
  tryAgainLater: 11,
  internal: 999,
} as const;

export class CNIError extends Error {
  constructor(
    readonly code: number,
    msg: string,
    readonly details?: string,
  ) {
    super(msg);
    this.name = 'CNIError';
  }

  body(cniVersion?: string): CNIErrorBody {
    return { ...(cniVersion ? { cniVersion } : {}), code: this.code, msg: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

const versionParts = (v: string): number[] => v.split('.').map((x) => Number(x));

/** a < b for dotted versions. */
export function versionLess(a: string, b: string): boolean {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return false;
}

/** Converts a 1.0.0 result to the version the configuration asked for (0.3.x/0.4.0 carry ips[].version). */
export function resultForVersion(result: CNIResult, cniVersion: string): CNIResult {
  const legacy = versionLess(cniVersion, '1.0.0');
  return {
    ...result,
    cniVersion,
    ...(result.ips ? { ips: result.ips.map((ip) => (legacy ? { ...ip, version: ip.address.includes(':') ? '6' : '4' } : withoutVersion(ip))) } : {}),
  };
}

function withoutVersion(ip: CNIIPConfig): CNIIPConfig {
  const { version: _version, ...rest } = ip;
  return rest;
}

/** `K1=V1;K2=V2` (CNI_ARGS) as pairs. */
export function parseCNIArgs(text: string | undefined): [string, string][] {
  if (!text) return [];
  return text.split(';').filter((kv) => kv !== '').map((kv) => {
    const i = kv.indexOf('=');
    if (i < 0) throw new CNIError(CNIErrorCode.invalidEnv, `ARGS: invalid pair "${kv}"`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  });
}

export function formatCNIArgs(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join(';');
}
