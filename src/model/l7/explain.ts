/**
 * Why a request went where it went: the decision plus, for every match entry the frontend holds, the
 * verdict — selected, lost on precedence (and the criterion), did not match (the first failing
 * condition), or was never considered (another host group or listener).
 */
import { gatewayHostMatches, hostWithoutPort } from './hostnames.ts';
import { allGroups, groupsForHost } from './host-index.ts';
import { mismatch, parseQuery } from './match.ts';
import { compareGatewayEntries, compareIngressEntries, precedenceReason } from './precedence.ts';
import { routeRequest, selectFrontends, selectListener, WELL_KNOWN, type FrontendSelector, type RouteDecision } from './evaluate.ts';
import type { GatewayFrontend, HostIndex, L7Request, MatchEntry, RouteTable } from './types.ts';

export interface CandidateVerdict {
  id: string;
  frontend: string;
  listener?: string;
  hostPattern: string;
  path: string;
  verdict: 'selected' | 'lower-precedence' | 'no-match' | 'host-not-considered' | 'listener-not-selected';
  reason: string;
}

export interface RouteExplanation {
  request: { url: string; method: string; headers: Record<string, string> };
  decision: RouteDecision;
  candidates: CandidateVerdict[];
}

export function explainRequest(table: RouteTable, req: L7Request, sel: FrontendSelector = {}): RouteExplanation {
  const decision = routeRequest(table, req, sel);
  const candidates: CandidateVerdict[] = [];
  for (const f of selectFrontends(table, sel)) {
    const name = f.kind === 'ingress' ? 'ingress' : `gateway ${f.namespace}/${f.name}`;
    if (f.kind === 'ingress' && req.port !== WELL_KNOWN[req.scheme]) {
      const why = `the Ingress controller serves ${req.scheme} on port ${WELL_KNOWN[req.scheme]}`;
      for (const g of allGroups(f.hosts)) for (const e of g.entries) candidates.push(verdict(e, name, undefined, g.hostname, 'listener-not-selected', why));
    } else if (f.kind === 'ingress') candidates.push(...explainIndex(f.hosts, req, decision, name, undefined, 'ingress', true));
    else candidates.push(...explainGateway(f, req, decision, name));
  }
  const port = (req.scheme === 'https' && req.port === 443) || (req.scheme === 'http' && req.port === 80) ? '' : `:${req.port}`;
  return {
    request: { url: `${req.scheme}://${hostWithoutPort(req.host)}${port}${req.path}${req.query ? `?${req.query}` : ''}`, method: req.method, headers: req.headers },
    decision,
    candidates,
  };
}

function explainGateway(f: GatewayFrontend, req: L7Request, decision: RouteDecision, name: string): CandidateVerdict[] {
  const chosen = selectListener(f, req);
  const out: CandidateVerdict[] = [];
  for (const l of f.listeners) {
    if (l === chosen) {
      out.push(...explainIndex(l.hosts, req, decision, name, l.name, 'gateway', false));
      continue;
    }
    const host = hostWithoutPort(req.host);
    const why = l.port !== req.port ? `listener ${l.name} is on port ${l.port}, the request on ${req.port}`
      : l.protocol !== (req.scheme === 'https' ? 'HTTPS' : 'HTTP') ? `listener ${l.name} speaks ${l.protocol}`
        : l.hostname && !gatewayHostMatches(l.hostname, host) ? `listener hostname ${l.hostname} does not cover ${host}`
          : `listener ${chosen?.name} is more specific for ${host}`;
    for (const g of allGroups(l.hosts)) for (const e of g.entries) out.push(verdict(e, name, l.name, g.hostname, 'listener-not-selected', why));
  }
  return out;
}

function explainIndex(index: HostIndex, req: L7Request, decision: RouteDecision, frontend: string, listener: string | undefined, mode: 'ingress' | 'gateway', onlyFirstGroup: boolean): CandidateVerdict[] {
  const host = hostWithoutPort(req.host);
  const order = mode === 'ingress' ? compareIngressEntries : compareGatewayEntries;
  const considered = groupsForHost(index, host, mode);
  const reachable = onlyFirstGroup ? considered.slice(0, 1) : considered;
  const query = parseQuery(req.query);
  const winnerId = decision.frontend === frontend && (listener === undefined || decision.listener === listener) ? decision.matched?.id : undefined;
  const winnerHost = decision.matched?.hostname;
  let winner: MatchEntry | undefined;
  const out: CandidateVerdict[] = [];
  for (const g of allGroups(index)) {
    const rank = reachable.indexOf(g);
    for (const e of [...g.entries].sort(order)) {
      if (rank < 0) {
        const why = considered.includes(g)
          ? `host ${host} matched the more specific host ${reachable[0]?.hostname ?? '*'} (an Ingress never falls back to other hosts)`
          : `host ${host} does not match ${g.hostname ?? '*'}`;
        out.push(verdict(e, frontend, listener, g.hostname, 'host-not-considered', why));
        continue;
      }
      const miss = mismatch(e, req, query);
      if (miss) out.push(verdict(e, frontend, listener, g.hostname, 'no-match', miss));
      else if (e.id === winnerId && e.hostname === winnerHost) {
        winner = e;
        out.push(verdict(e, frontend, listener, g.hostname, 'selected', `highest precedence match (host group ${g.hostname ?? '*'})`));
      } else out.push(verdict(e, frontend, listener, g.hostname, 'lower-precedence', ''));
    }
  }
  // Fill the precedence criterion now that the winner is known.
  for (const c of out) {
    if (c.verdict !== 'lower-precedence') continue;
    if (!winner) {
      c.reason = decision.frontend ? `matches, but ${decision.frontend} served the request (the first frontend that did not answer 404)` : 'matches';
      continue;
    }
    const e = findEntry(index, c.id, c.hostPattern);
    const sameGroup = (winner.hostname ?? '*') === c.hostPattern;
    c.reason = !sameGroup ? `host group ${winner.hostname ?? '*'} is more specific than ${c.hostPattern}` : e ? precedenceReason(winner, e, mode) : '';
  }
  return out;
}

function findEntry(index: HostIndex, id: string, hostPattern: string): MatchEntry | undefined {
  for (const g of allGroups(index)) if ((g.hostname ?? '*') === hostPattern) return g.entries.find((e) => e.id === id);
  return undefined;
}

function verdict(e: MatchEntry, frontend: string, listener: string | undefined, hostname: string | undefined, v: CandidateVerdict['verdict'], reason: string): CandidateVerdict {
  return { id: e.id, frontend, ...(listener ? { listener } : {}), hostPattern: hostname ?? '*', path: `${e.path.type} ${e.path.value}`, verdict: v, reason };
}
