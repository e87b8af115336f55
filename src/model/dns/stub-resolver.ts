/**
 * The stub resolver inside a pod: which names it asks, in what order, and when it stops.
 *
 * glibc (`res_search`): a trailing dot asks only the absolute name. With dots ≥ ndots the absolute
 * name goes first, then the search list; with fewer dots the search list first and the absolute name
 * last. It walks on past NXDOMAIN, NODATA and SERVFAIL and stops at the first answer (or another error).
 * musl: dots ≥ ndots (or a trailing dot) asks only the absolute name — no search at all; otherwise the
 * search list then the absolute name, but it stops at the first NODATA or SERVFAIL (kubernetes#64924).
 */
import type { DNSResponse, Question } from './message.ts';
import { absoluteName } from './names.ts';
import { ndotsOf, type ResolvConf } from './resolv-conf.ts';

export type Libc = 'glibc' | 'musl';

export interface WalkStep {
  query: Question;
  /** The nameserver asked (the first of resolv.conf: the others are only tried on timeouts). */
  server: string;
  response: DNSResponse;
  /** Why the walk went on after this step, or why it stopped here. */
  outcome: 'answer' | 'nxdomain' | 'nodata' | 'servfail' | 'error';
}

export interface Resolution {
  name: string;
  type: string;
  libc: Libc;
  ndots: number;
  steps: WalkStep[];
  /** Index into steps of the step that answered; undefined when nothing did. */
  answeredAt?: number;
  /** The absolute name that answered. */
  resolvedName?: string;
  /** The final status an application sees. */
  result: 'answer' | 'nxdomain' | 'nodata' | 'servfail' | 'error' | 'no-nameserver';
  response?: DNSResponse;
}

/** Sends one query to one nameserver and returns its response. */
export type Transport = (q: Question, server: string) => DNSResponse;

/** The candidate names in the order the resolver tries them (before any answer stops the walk). */
export function searchCandidates(name: string, conf: ResolvConf, libc: Libc): string[] {
  const ndots = ndotsOf(conf);
  const trailing = name.endsWith('.');
  const bare = trailing ? name.slice(0, -1) : name;
  if (trailing) return [absoluteName(bare)];
  const dots = (name.match(/\./g) ?? []).length;
  const searched = conf.searches.map((d) => (d === '.' || d === '' ? absoluteName(bare) : absoluteName(`${bare}.${d.replace(/\.$/, '')}`)));
  if (libc === 'musl') return dots >= ndots ? [absoluteName(bare)] : unique([...searched, absoluteName(bare)]);
  return dots >= ndots ? unique([absoluteName(bare), ...searched]) : unique([...searched, absoluteName(bare)]);
}

export function resolveName(name: string, type: string, conf: ResolvConf, transport: Transport, libc: Libc = 'glibc'): Resolution {
  const ndots = ndotsOf(conf);
  const res: Resolution = { name, type, libc, ndots, steps: [], result: 'no-nameserver' };
  const server = conf.nameservers[0];
  if (!server) return res;
  const ask = (candidate: string): WalkStep => {
    const query = { name: candidate, type };
    const response = transport(query, server);
    const step: WalkStep = { query, server, response, outcome: outcomeOf(response) };
    res.steps.push(step);
    return step;
  };
  const done = (step: WalkStep): Resolution => {
    const answered = step.outcome === 'answer';
    return { ...res, result: step.outcome, response: step.response, ...(answered ? { answeredAt: res.steps.indexOf(step), resolvedName: step.query.name } : {}) };
  };
  const trailing = name.endsWith('.');
  const absolute = absoluteName(name);
  const candidates = searchCandidates(name, conf, libc);
  const searched = candidates.filter((c) => c !== absolute);
  const dots = (name.match(/\./g) ?? []).length;

  if (libc === 'musl') {
    for (const c of candidates) {
      const step = ask(c);
      if (step.outcome !== 'nxdomain') return done(step);
    }
    return done(res.steps[res.steps.length - 1]);
  }
  let asIs: WalkStep | undefined;
  if (trailing || dots >= ndots) {
    asIs = ask(absolute);
    if (asIs.outcome === 'answer' || trailing) return done(asIs);
  }
  for (const c of searched) {
    const step = ask(c);
    if (step.outcome === 'answer') return done(step);
    // NXDOMAIN, NODATA and SERVFAIL try the next domain; any other error ends the search list.
    if (step.outcome === 'error') break;
  }
  if (!asIs) {
    asIs = ask(absolute);
    if (asIs.outcome === 'answer') return done(asIs);
  }
  // Nothing answered: the application sees the status of the absolute-name query.
  return done(asIs);
}

function outcomeOf(r: DNSResponse): WalkStep['outcome'] {
  if (r.rcode === 'NXDOMAIN') return 'nxdomain';
  if (r.rcode === 'SERVFAIL') return 'servfail';
  if (r.rcode !== 'NOERROR') return 'error';
  return r.answer.length ? 'answer' : 'nodata';
}

function unique(list: string[]): string[] {
  const seen = new Set<string>();
  return list.filter((n) => {
    const k = n.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
