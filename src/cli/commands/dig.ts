/**
 * `podnet dig [--from ns/pod] NAME [TYPE]` (or `-x IP`): what the cluster DNS answers, printed like dig.
 * With `--from` the query goes through the pod's resolv.conf and stub resolver: every query of the
 * search walk is listed with its rcode, and the candidate that answered is marked.
 * Exit 0 whatever the DNS status (as dig), 2 on bad input.
 */
import type { Command } from 'commander';
import { InvalidInputError } from '../../api/errors.ts';
import { isIP } from '../../api/cidr.ts';
import type { ClusterView } from '../../cluster/view.ts';
import {
  ClusterDNS, lookupFromPod, QUESTION_TYPES, rdataText, renderResolvConf, reverseName, UpstreamConfigError,
  type DNSResponse, type Libc, type PodLookup, type ResourceRecord,
} from '../../model/dns/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';

/** The model's DNS server for a view; a bad `dns.upstream` line is bad input (exit 2). */
export function clusterDNSOf(view: ClusterView): ClusterDNS {
  try {
    return new ClusterDNS(view);
  } catch (err) {
    if (err instanceof UpstreamConfigError) throw new InvalidInputError(err.errors.map((e) => ({ object: 'ClusterConfig', field: `dns.upstream[${e.index}]`, reason: e.reason })));
    throw err;
  }
}

/** `TYPE` argument → mnemonic; numbers as `TYPE<n>` (RFC 3597). */
export function parseQueryType(text: string | undefined): string {
  const t = (text ?? 'A').toUpperCase();
  if ((QUESTION_TYPES as readonly string[]).includes(t)) return t;
  const m = /^TYPE(\d{1,5})$/.exec(t);
  if (m && Number(m[1]) <= 65535) return t;
  throw new UsageError(`unknown query type ${JSON.stringify(text)} (supported: ${QUESTION_TYPES.join(', ')}, or TYPE<n>)`);
}

/** `ns/pod` (a bare name means namespace default). */
export function parsePodRef(text: string, flag: string): { namespace: string; name: string } {
  const parts = text.split('/');
  if (parts.length === 1 && parts[0]) return { namespace: 'default', name: parts[0] };
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`${flag}: ${JSON.stringify(text)} is not "namespace/pod"`);
  return { namespace: parts[0], name: parts[1] };
}

function parseLibc(text: string | undefined): Libc {
  const l = text ?? 'glibc';
  if (l !== 'glibc' && l !== 'musl') throw new UsageError(`--libc: ${JSON.stringify(text)} is not one of glibc, musl`);
  return l;
}

interface DigOptions {
  from?: string;
  libc?: string;
  reverse?: string;
  filename: string[];
  config?: string;
  output?: string;
}

export function registerDig(program: Command): void {
  program
    .command('dig')
    .description('Ask the cluster DNS a question, as dig would; with --from, through a pod\'s resolv.conf and search walk')
    .argument('[name]', 'the name to look up')
    .argument('[type]', 'record type (A, AAAA, SRV, PTR, TXT, CNAME, NS, SOA, MX, …)', 'A')
    .option('--from <pod>', 'look the name up from this pod (ns/pod): its resolv.conf, ndots and search list')
    .option('--libc <libc>', 'the pod\'s stub resolver: glibc or musl (Alpine)', 'glibc')
    .option('-x, --reverse <ip>', 'reverse lookup: PTR of this IP')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: text|json')
    .action((name: string | undefined, type: string, opts: DigOptions) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      const libc = parseLibc(opts.libc);
      let qname = name;
      let qtype = parseQueryType(type);
      if (opts.reverse !== undefined) {
        if (!isIP(opts.reverse)) throw new UsageError(`-x: ${JSON.stringify(opts.reverse)} is not an IP address`);
        qname = reverseName(opts.reverse);
        qtype = 'PTR';
      }
      if (!qname) throw new UsageError('missing name: podnet dig [--from ns/pod] NAME [TYPE]');
      const { view } = loadCluster({ file: opts.filename, config: opts.config });
      const dns = clusterDNSOf(view);
      if (opts.from) {
        const ref = parsePodRef(opts.from, '--from');
        const pod = view.pod(ref.namespace, ref.name);
        if (!pod) throw new UsageError(`--from: pod ${ref.namespace}/${ref.name} not found`);
        const lookup = lookupFromPod(dns, pod, qname, qtype, libc);
        if (format === 'json') printJSON(lookupJSON(lookup));
        else process.stdout.write(formatLookup(lookup));
        return;
      }
      const response = dns.answer({ name: qname, type: qtype });
      if (format === 'json') printJSON({ question: { name: absolute(qname), type: qtype }, server: dns.zone.dnsServiceIP, response: responseJSON(response) });
      else process.stdout.write(formatDig(absolute(qname), qtype, response, `${dns.zone.dnsServiceIP}#53`));
    });
}

const absolute = (n: string): string => (n.endsWith('.') ? n : `${n}.`);

export function recordJSON(rr: ResourceRecord): { name: string; ttl: number; type: string; data: string } {
  return { name: rr.name, ttl: rr.ttl, type: rr.type, data: rdataText(rr) };
}

export function responseJSON(r: DNSResponse): Record<string, unknown> {
  return {
    rcode: r.rcode,
    flags: { aa: r.authoritative, ra: r.recursionAvailable },
    answeredBy: r.answeredBy,
    answer: r.answer.map(recordJSON),
    authority: r.authority.map(recordJSON),
    additional: r.additional.map(recordJSON),
  };
}

function lookupJSON(l: PodLookup): Record<string, unknown> {
  return {
    from: `${l.pod.namespace}/${l.pod.name}`,
    question: { name: l.name, type: l.type },
    libc: l.libc,
    ndots: l.ndots,
    resolvConf: { ...l.resolvConf.conf, dnsPolicy: l.resolvConf.dnsPolicy, effectivePolicy: l.resolvConf.effectivePolicy },
    queriesSent: l.steps.length,
    steps: l.steps.map((s) => ({ name: s.query.name, type: s.query.type, server: s.server, rcode: s.response.rcode, outcome: s.outcome, answers: s.response.answer.map((a) => rdataText(a)) })),
    result: l.result,
    ...(l.resolvedName ? { resolvedName: l.resolvedName } : {}),
    ...(l.response ? { response: responseJSON(l.response) } : {}),
  };
}

/** dig's presentation: header, flags, sections. */
export function formatDig(qname: string, qtype: string, r: DNSResponse, server: string): string {
  const flags = ['qr', ...(r.authoritative ? ['aa'] : []), 'rd', ...(r.recursionAvailable ? ['ra'] : [])].join(' ');
  const lines = [
    `; <<>> podnet dig <<>> ${qname} ${qtype}`,
    `;; ->>HEADER<<- opcode: QUERY, status: ${r.rcode}`,
    `;; flags: ${flags}; QUERY: 1, ANSWER: ${r.answer.length}, AUTHORITY: ${r.authority.length}, ADDITIONAL: ${r.additional.length}`,
    '',
    ';; QUESTION SECTION:',
    `;${qname}\t\tIN\t${qtype}`,
  ];
  const section = (title: string, rrs: ResourceRecord[]): void => {
    if (!rrs.length) return;
    lines.push('', `;; ${title} SECTION:`);
    for (const rr of rrs) lines.push(`${rr.name}\t${rr.ttl}\tIN\t${rr.type}\t${rdataText(rr)}`);
  };
  section('ANSWER', r.answer);
  section('AUTHORITY', r.authority);
  section('ADDITIONAL', r.additional);
  const by = r.answeredBy === 'upstream' ? 'forwarded to the upstream resolver' : r.answeredBy === 'autopath' ? 'autopath (server-side search)' : 'kubernetes plugin';
  lines.push('', `;; SERVER: ${server} (${by})`, '');
  return lines.join('\n');
}

function formatLookup(l: PodLookup): string {
  const conf = l.resolvConf.conf;
  const policy = l.resolvConf.dnsPolicy === l.resolvConf.effectivePolicy ? l.resolvConf.dnsPolicy : `${l.resolvConf.dnsPolicy} → ${l.resolvConf.effectivePolicy}`;
  const out = [
    `;; from ${l.pod.namespace}/${l.pod.name} (dnsPolicy ${policy}, ${l.libc}, ndots:${l.ndots})`,
    ...renderResolvConf(conf).trimEnd().split('\n').filter(Boolean).map((line) => `;;   ${line}`),
    `;; search walk for ${l.name} ${l.type}: ${l.steps.length} quer${l.steps.length === 1 ? 'y' : 'ies'} sent`,
  ];
  l.steps.forEach((s, i) => {
    const mark = i === l.answeredAt ? '   <- answered' : '';
    const what = s.outcome === 'answer' ? `${s.response.answer.length} record${s.response.answer.length === 1 ? '' : 's'}` : s.outcome.toUpperCase();
    out.push(`;;   ${String(i + 1).padStart(2)}. ${s.query.name} ${s.query.type} @${s.server} -> ${s.response.rcode}${s.outcome === 'answer' ? `, ${what}` : s.outcome === 'nodata' ? ' (NODATA)' : ''}${mark}`);
  });
  if (!l.steps.length) out.push(';;   no nameserver in resolv.conf: nothing was sent');
  out.push(`;; result: ${l.result}${l.resolvedName ? ` (${l.resolvedName})` : ''}`, '');
  if (l.response) {
    const step = l.steps[l.answeredAt ?? l.steps.length - 1];
    out.push(formatDig(step.query.name, step.query.type, l.response, `${step.server}#53`));
  }
  return out.join('\n');
}
