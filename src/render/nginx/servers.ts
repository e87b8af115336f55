/**
 * Which nginx server blocks a listen socket needs, and what each one must do.
 *
 * nginx picks a server block by Host (exact name, then wildcard/regex names, then the default
 * server) and nothing later can change that choice, so every host that the route table treats
 * differently needs its own block. Hosts fall into classes: each exact hostname named anywhere (rule
 * hosts, listener hostnames, TLS hosts), then per wildcard suffix `*.S` the hosts whose longest
 * matching wildcard suffix is S — split into "one label before S" and "more labels" when an Ingress
 * wildcard (which covers exactly one label) sits at S — and finally every other host. Within one class
 * every host sees the same host groups, listener and certificate, so a representative host computes
 * the class's program with the model's own functions.
 *
 * A program is the flattened order in which the model tries match entries for such a host: each
 * frontend on the socket (the Ingress controller, then Gateways), its host groups most specific first,
 * each group's entries in precedence order; an Ingress defaultBackend ends it; 404 closes it.
 */
import {
  certificateForSNI, gatewayHostMatches, ingressHostMatches, selectListener,
  type DefaultBackend, type FrontendSelector, type GatewayFrontend, type HostGroup, type HostIndex, type IngressFrontend,
  type L7Request, type MatchEntry, type RouteTable,
} from '../../model/l7/index.ts';
import { regexEscape } from './quote.ts';

export type Step =
  | { kind: 'entry'; entry: MatchEntry; frontend: string; listenerPort: number }
  | { kind: 'default'; def: DefaultBackend; frontend: string }
  | { kind: 'notFound'; reason: string };

export interface ServerPlan {
  /** nginx server_name arguments (exact names, `*.suffix`, `~regex`); empty for the default server. */
  names: string[];
  isDefault: boolean;
  /** The host this plan was computed for. */
  representative: string;
  steps: Step[];
  /** Secret `namespace/name` of the certificate (TLS sockets), null = default certificate. */
  certificate: string | null;
}

export interface SocketSpec {
  scheme: 'http' | 'https';
  frontPort: number;
}

const WELL_KNOWN: Record<string, number> = { http: 80, https: 443 };

function frontendsOf(table: RouteTable, sel: FrontendSelector, socket: SocketSpec): { ingress?: IngressFrontend; gateways: GatewayFrontend[] } {
  const ingress = table.ingress && !sel.gateway && sel.via !== 'gateway' && socket.frontPort === WELL_KNOWN[socket.scheme] ? table.ingress : undefined;
  const gateways = sel.via === 'ingress' ? [] : table.gateways.filter((g) => !sel.gateway || `${g.namespace}/${g.name}` === sel.gateway);
  return { ...(ingress ? { ingress } : {}), gateways };
}

/** Host groups covering `host`, most specific first (Ingress: one group at most). */
function groupsFor(index: HostIndex, host: string, mode: 'ingress' | 'gateway'): HostGroup[] {
  const out: HostGroup[] = [];
  const exact = index.exact.get(host);
  if (exact) out.push(exact);
  const matches = mode === 'ingress' ? ingressHostMatches : gatewayHostMatches;
  const wild = [...index.wildcard.values()].filter((g) => matches(g.hostname!, host)).sort((a, b) => b.hostname!.length - a.hostname!.length);
  out.push(...wild);
  if (index.any) out.push(index.any);
  return mode === 'ingress' ? out.slice(0, 1) : out;
}

function probe(socket: SocketSpec, host: string): L7Request {
  return { scheme: socket.scheme, host, port: socket.frontPort, path: '/', query: '', method: 'GET', headers: { host } };
}

export function programFor(table: RouteTable, sel: FrontendSelector, socket: SocketSpec, host: string): Step[] {
  const { ingress, gateways } = frontendsOf(table, sel, socket);
  const steps: Step[] = [];
  if (ingress) {
    const group = groupsFor(ingress.hosts, host, 'ingress')[0];
    for (const entry of group?.entries ?? []) steps.push({ kind: 'entry', entry, frontend: 'ingress', listenerPort: socket.frontPort });
    const def = group ? group.defaultBackend ?? (group.hostname === undefined ? ingress.defaultBackend : undefined) : ingress.defaultBackend;
    if (def) return [...steps, { kind: 'default', def, frontend: 'ingress' }];
  }
  for (const g of gateways) {
    const listener = selectListener(g, probe(socket, host));
    if (!listener) continue;
    const frontend = `gateway ${g.namespace}/${g.name}/${listener.name}`;
    for (const group of groupsFor(listener.hosts, host, 'gateway')) {
      for (const entry of group.entries) steps.push({ kind: 'entry', entry, frontend, listenerPort: listener.port });
    }
  }
  const reason = ingress || gateways.length ? 'NoMatchingRoute' : 'NoFrontend';
  return [...steps, { kind: 'notFound', reason }];
}

/** Every host pattern that can make a difference on this socket. */
function patterns(table: RouteTable, sel: FrontendSelector, socket: SocketSpec): { exact: Set<string>; wildcard: Set<string>; ingressWildcard: Set<string> } {
  const exact = new Set<string>();
  const wildcard = new Set<string>();
  const ingressWildcard = new Set<string>();
  const add = (h: string | undefined, ingress: boolean): void => {
    if (!h) return;
    if (h.startsWith('*.')) {
      wildcard.add(h.slice(2));
      if (ingress) ingressWildcard.add(h.slice(2));
    } else exact.add(h);
  };
  const { ingress, gateways } = frontendsOf(table, sel, socket);
  if (ingress) {
    for (const h of [...ingress.hosts.exact.keys(), ...ingress.hosts.wildcard.keys()]) add(h, true);
    if (socket.scheme === 'https') for (const t of ingress.tls) for (const h of t.hosts) add(h, true);
  }
  for (const g of gateways) {
    for (const l of g.listeners) {
      if (l.port !== socket.frontPort || l.protocol !== (socket.scheme === 'https' ? 'HTTPS' : 'HTTP')) continue;
      add(l.hostname, false);
      for (const h of [...l.hosts.exact.keys(), ...l.hosts.wildcard.keys()]) add(h, false);
      for (const t of l.tls) for (const h of t.hosts) add(h, false);
    }
  }
  return { exact, wildcard, ingressWildcard };
}

/** A label not used by any pattern, so representatives never collide with a real name. */
function freshLabel(base: string, taken: (label: string) => boolean): string {
  let label = base;
  for (let i = 2; taken(label); i++) label = `${base}${i}`;
  return label;
}

/** The server blocks for one socket, in the order nginx must see regex names. */
export function planServers(table: RouteTable, sel: FrontendSelector, socket: SocketSpec): ServerPlan[] {
  const { exact, wildcard, ingressWildcard } = patterns(table, sel, socket);
  const isPattern = (h: string): boolean => exact.has(h) || wildcard.has(h);
  const plan = (names: string[], host: string, isDefault = false): ServerPlan => ({
    names,
    isDefault,
    representative: host,
    steps: programFor(table, sel, socket, host),
    certificate: socket.scheme === 'https' ? certificateForSNI(table, sel, host, socket.frontPort) : null,
  });
  const out: ServerPlan[] = [...exact].sort().map((h) => plan([h], h));
  // Native wildcard names (`*.S`, any number of labels, longest suffix first) match Gateway API
  // semantics; an Ingress wildcard needs "exactly one label", which only regex names can say — and
  // nginx tries every wildcard name before any regex, so then all wildcards become regexes.
  const useRegex = ingressWildcard.size > 0;
  const suffixes = [...wildcard].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  for (const s of suffixes) {
    const one = `${freshLabel('podnet-host', (l) => isPattern(`${l}.${s}`))}.${s}`;
    const two = `${freshLabel('podnet-host', (l) => isPattern(`${l}.${one}`))}.${one}`;
    if (!useRegex) {
      out.push(plan([`*.${s}`], two));
      continue;
    }
    if (ingressWildcard.has(s)) out.push(plan([`~^[^.]+\\.${regexEscape(s)}$`], one));
    out.push(plan([`~^.+\\.${regexEscape(s)}$`], two));
  }
  const covered = (h: string): boolean => exact.has(h) || [...wildcard].some((s) => h.endsWith(`.${s}`));
  const fallback = ['invalid', 'test', 'example', 'localhost'].map((tld) => `podnet-default.${tld}`).find((h) => !covered(h)) ?? 'podnet-default';
  out.push(plan([], fallback, true));
  return out;
}
