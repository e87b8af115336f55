/**
 * The world outside the cluster, as the upstream recursive resolver knows it: the records listed in
 * ClusterConfig `dns.upstream` (`"name. TYPE rdata"`). Everything else does not exist (NXDOMAIN).
 * Answers are recursive (RA set, not authoritative) and follow CNAME chains, as a recursor's would.
 */
import { emptyResponse, type DNSResponse, type Question } from './message.ts';
import { absoluteName, isSubdomain, lowerName } from './names.ts';
import { parseRecord, RecordSyntaxError, type ResourceRecord } from './records.ts';

/** TTL of upstream records written without one. */
export const UPSTREAM_DEFAULT_TTL = 300;
const MAX_CHAIN = 8;

export interface UpstreamLineError {
  index: number;
  reason: string;
}

export class UpstreamResolver {
  private readonly byName = new Map<string, ResourceRecord[]>();
  /** Names with records below them (empty non-terminals answer NODATA, not NXDOMAIN). */
  private readonly interior = new Set<string>();
  private readonly soas: ResourceRecord[] = [];

  constructor(records: readonly ResourceRecord[]) {
    for (const rr of records) {
      const key = lowerName(rr.name);
      let list = this.byName.get(key);
      if (!list) this.byName.set(key, (list = []));
      list.push(rr);
      if (rr.type === 'SOA') this.soas.push(rr);
      let parent = key;
      while (parent !== '.') {
        parent = parent.slice(parent.indexOf('.') + 1) || '.';
        this.interior.add(parent);
      }
    }
  }

  /** Parses `dns.upstream`; throws with every bad line's index. */
  static fromLines(lines: readonly string[]): UpstreamResolver {
    const records: ResourceRecord[] = [];
    const errors: UpstreamLineError[] = [];
    lines.forEach((line, index) => {
      try {
        records.push(parseRecord(line, UPSTREAM_DEFAULT_TTL));
      } catch (err) {
        if (!(err instanceof RecordSyntaxError)) throw err;
        errors.push({ index, reason: err.message });
      }
    });
    if (errors.length) throw new UpstreamConfigError(errors);
    return new UpstreamResolver(records);
  }

  answer(q: Question): DNSResponse {
    const answer: ResourceRecord[] = [];
    let name = absoluteName(q.name);
    for (let hop = 0; hop <= MAX_CHAIN; hop++) {
      const here = this.byName.get(lowerName(name));
      if (!here) {
        if (hop > 0) break; // a dangling CNAME: what was found so far
        if (this.interior.has(lowerName(name))) return this.negative('NOERROR', name);
        return this.negative('NXDOMAIN', name);
      }
      const owner = hop === 0 ? absoluteName(q.name) : name;
      const exact = here.filter((rr) => rr.type === q.type || q.type === 'ANY');
      if (exact.length) {
        answer.push(...exact.map((rr) => ({ ...rr, name: owner }) as ResourceRecord));
        break;
      }
      const cname = here.find((rr) => rr.type === 'CNAME');
      if (!cname || cname.type !== 'CNAME') {
        if (hop === 0) return this.negative('NOERROR', name);
        break;
      }
      answer.push({ ...cname, name: owner });
      name = cname.data;
    }
    return { ...emptyResponse('NOERROR', 'upstream', false), answer };
  }

  private negative(rcode: 'NOERROR' | 'NXDOMAIN', name: string): DNSResponse {
    // A recursor puts the SOA of the closest enclosing zone it knows into the authority section.
    const soa = this.soas.filter((s) => isSubdomain(name, s.name)).sort((a, b) => b.name.length - a.name.length)[0];
    return { ...emptyResponse(rcode, 'upstream', false), authority: soa ? [soa] : [] };
  }
}

export class UpstreamConfigError extends Error {
  constructor(readonly errors: UpstreamLineError[]) {
    super(errors.map((e) => `dns.upstream[${e.index}]: ${e.reason}`).join('\n'));
    this.name = 'UpstreamConfigError';
  }
}
