/**
 * `dns: {from?: ns/pod, name, type?}` → `expect: {rcode, answers: [data…], authoritative?, ttl?,
 * resolvedName?, queriesSent?, truncated?}`. Answers are the answer section's data in presentation form
 * (names absolute with the trailing dot, SRV as "prio weight port target", CNAMEs included), compared
 * order-insensitively (CoreDNS `loadbalance` shuffles). With `from`, the pod's search walk runs first.
 * `ttl` is the lowest TTL of the answer (of the SOA for negative answers); `truncated` says whether a
 * plain 512-byte UDP answer would carry TC.
 */
import type { ClusterView } from '../../cluster/view.ts';
import { ClusterDNS, lookupFromPod, rdataText, UpstreamConfigError, wireFit, type DNSResponse, type Libc } from '../dns/index.ts';
import { CheckArgumentError, parseNamespacedName, sameMultiset, type CheckKind, type CheckOutcome } from './check.ts';

const RCODES = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP'];
const EXPECT_KEYS = ['rcode', 'answers', 'authoritative', 'ttl', 'resolvedName', 'queriesSent', 'truncated'];

/** One ClusterDNS per view: building it indexes the whole cluster. */
const cache = new WeakMap<ClusterView, ClusterDNS>();

function dnsOf(view: ClusterView): ClusterDNS {
  let dns = cache.get(view);
  if (!dns) {
    try {
      dns = new ClusterDNS(view);
    } catch (err) {
      if (err instanceof UpstreamConfigError) throw new CheckArgumentError('dns', `the ClusterConfig's dns.upstream is invalid: ${err.message}`);
      throw err;
    }
    cache.set(view, dns);
  }
  return dns;
}

export const dnsCheck: CheckKind = {
  evaluate(view: ClusterView, args: unknown, expect: unknown): CheckOutcome {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new CheckArgumentError('dns', 'must be a mapping with "name" (and optional "type", "from", "libc")');
    const { from, name, type, libc, ...rest } = args as Record<string, unknown>;
    for (const k of Object.keys(rest)) throw new CheckArgumentError(`dns.${k}`, 'unknown field (allowed: from, name, type, libc)');
    if (typeof name !== 'string' || !name) throw new CheckArgumentError('dns.name', 'Required value: the name to look up');
    if (type !== undefined && (typeof type !== 'string' || !/^([A-Za-z]+|TYPE\d+)$/.test(type))) throw new CheckArgumentError('dns.type', 'must be a record type such as A, AAAA, SRV, PTR');
    if (libc !== undefined && libc !== 'glibc' && libc !== 'musl') throw new CheckArgumentError('dns.libc', 'must be glibc or musl');
    const qtype = ((type as string | undefined) ?? 'A').toUpperCase();
    const exp = parseExpect(expect);

    const dns = dnsOf(view);
    let response: DNSResponse | undefined;
    let resolvedName: string | undefined = name.endsWith('.') ? name : `${name}.`;
    let queriesSent = 1;
    let askedName = resolvedName;
    if (from !== undefined) {
      const ref = parseNamespacedName(from, 'dns.from');
      const pod = view.pod(ref.namespace, ref.name);
      if (!pod) return { passed: false, expected: exp, actual: null, message: `pod ${ref.namespace}/${ref.name} not found` };
      const lookup = lookupFromPod(dns, pod, name, qtype, (libc as Libc | undefined) ?? 'glibc');
      response = lookup.response;
      resolvedName = lookup.resolvedName;
      queriesSent = lookup.steps.length;
      const last = lookup.steps[lookup.answeredAt ?? lookup.steps.length - 1];
      askedName = last?.query.name ?? askedName;
    } else {
      response = dns.answer({ name, type: qtype });
    }
    const answers = (response?.answer ?? []).map(rdataText);
    const ttlSource = response?.answer.length ? response.answer : (response?.authority ?? []);
    const actual: Record<string, unknown> = {
      rcode: response?.rcode ?? null,
      answers: [...answers].sort(),
      authoritative: response?.authoritative ?? null,
      ttl: ttlSource.length ? Math.min(...ttlSource.map((r) => r.ttl)) : null,
      resolvedName: resolvedName ?? null,
      queriesSent,
      truncated: response ? wireFit(askedName, response, 512).truncated : null,
    };
    const failures: string[] = [];
    const expected: Record<string, unknown> = {};
    for (const key of Object.keys(exp)) {
      const want = exp[key];
      const got = actual[key];
      if (key === 'answers') {
        const w = [...(want as string[])].sort();
        expected.answers = w;
        if (!sameMultiset(w, got as string[])) failures.push(`answers: expected [${w.join(', ')}], got [${(got as string[]).join(', ')}]`);
        continue;
      }
      expected[key] = want;
      const same = key === 'resolvedName' && typeof want === 'string' && typeof got === 'string'
        ? absolute(want).toLowerCase() === got.toLowerCase()
        : want === got;
      if (!same) failures.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
    const shown = Object.fromEntries(Object.keys(exp).map((k) => [k, actual[k]]));
    return {
      passed: failures.length === 0,
      expected,
      actual: shown,
      message: failures.length ? failures.join('; ') : `${actual.rcode} with ${answers.length} answer(s)${from !== undefined ? ` after ${queriesSent} quer${queriesSent === 1 ? 'y' : 'ies'}` : ''}`,
    };
  },
};

const absolute = (n: string): string => (n.endsWith('.') ? n : `${n}.`);

function parseExpect(expect: unknown): Record<string, unknown> {
  if (expect === null || typeof expect !== 'object' || Array.isArray(expect)) throw new CheckArgumentError('expect', 'must be a mapping: {rcode, answers, …}');
  const e = expect as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!EXPECT_KEYS.includes(k)) throw new CheckArgumentError(`expect.${k}`, `unknown field (allowed: ${EXPECT_KEYS.join(', ')})`);
  if (typeof e.rcode !== 'string' || !RCODES.includes(e.rcode.toUpperCase())) throw new CheckArgumentError('expect.rcode', `Required value: one of ${RCODES.join(', ')}`);
  const out: Record<string, unknown> = { rcode: e.rcode.toUpperCase() };
  if (e.answers !== undefined) {
    if (!Array.isArray(e.answers) || !e.answers.every((a) => typeof a === 'string' || typeof a === 'number')) throw new CheckArgumentError('expect.answers', 'must be a list of record data, e.g. ["10.96.0.1"] or ["0 100 80 svc.ns.svc.cluster.local."]');
    out.answers = e.answers.map(String);
  } else {
    out.answers = [];
  }
  if (e.authoritative !== undefined) {
    if (typeof e.authoritative !== 'boolean') throw new CheckArgumentError('expect.authoritative', 'must be true or false');
    out.authoritative = e.authoritative;
  }
  if (e.truncated !== undefined) {
    if (typeof e.truncated !== 'boolean') throw new CheckArgumentError('expect.truncated', 'must be true or false');
    out.truncated = e.truncated;
  }
  for (const k of ['ttl', 'queriesSent']) {
    if (e[k] === undefined) continue;
    if (typeof e[k] !== 'number' || !Number.isInteger(e[k]) || (e[k] as number) < 0) throw new CheckArgumentError(`expect.${k}`, 'must be a non-negative integer');
    out[k] = e[k];
  }
  if (e.resolvedName !== undefined) {
    if (typeof e.resolvedName !== 'string') throw new CheckArgumentError('expect.resolvedName', 'must be a domain name');
    out.resolvedName = e.resolvedName;
  }
  return out;
}
