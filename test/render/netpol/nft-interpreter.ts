/**
 * A small nftables interpreter for the subset render/netpol emits, written from the nft(8) manual:
 * sets and verdict maps keyed by ipv4_addr, chains with rules made of `ip saddr|daddr [!=] X`,
 * `meta l4proto P`, `th dport X` (X a value, an anonymous set of values, prefixes and ranges, or
 * `@set`), `ct state S,…`, `counter`, `comment "…"`, and the verdicts accept, drop, reject …,
 * return, jump, `vmap @map`. It judges one new connection by walking the forward base chain, so
 * tests can compare the rendered text — not the data it came from — with the policy model.
 */
import { parseIP } from '../../../src/api/cidr.ts';

export interface Packet {
  saddr: string;
  daddr: string;
  /** tcp, udp, sctp, icmp */
  protocol: string;
  dport?: number;
  ctState: 'new' | 'established' | 'related' | 'invalid';
}

export type Verdict = 'accept' | 'drop' | 'reject';

type Element = { lo: bigint; hi: bigint } | { word: string };

interface Ruleset {
  sets: Map<string, Element[]>;
  maps: Map<string, Map<string, string>>;
  chains: Map<string, string[][]>;
  base?: { chain: string; policy: Verdict };
}

/** Splits a statement into tokens: words, `{`, `}`, `,`, `:`, `;` and quoted strings. */
function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if ('{},:;'.includes(c)) {
      out.push(c);
      i++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      out.push(text.slice(i, end + 1));
      i = end + 1;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else {
      let j = i;
      while (j < text.length && !/[\s{},;"]/.test(text[j]) && !(text[j] === ':' && /\s/.test(text[j + 1] ?? ' '))) j++;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

function ipValue(text: string): bigint {
  const p = parseIP(text);
  if (!p || p.family !== 4) throw new Error(`not an IPv4 address: ${text}`);
  return p.value;
}

/** `10.0.0.1`, `10.0.0.0/8`, `10.0.0.1-10.0.0.9`, `80`, `80-90`, or a word (`tcp`). */
function element(text: string): Element {
  if (/^\d+$/.test(text)) return { lo: BigInt(text), hi: BigInt(text) };
  if (/^\d+-\d+$/.test(text)) {
    const [a, b] = text.split('-');
    return { lo: BigInt(a), hi: BigInt(b) };
  }
  if (text.includes('/')) {
    const [ip, len] = text.split('/');
    const size = 1n << BigInt(32 - Number(len));
    const lo = ipValue(ip);
    if (lo % size !== 0n) throw new Error(`prefix with host bits: ${text}`);
    return { lo, hi: lo + size - 1n };
  }
  if (text.includes('-') && /^\d/.test(text)) {
    const [a, b] = text.split('-');
    return { lo: ipValue(a), hi: ipValue(b) };
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const v = ipValue(text);
    return { lo: v, hi: v };
  }
  return { word: text };
}

/** Reads `{ a, b }` or a single value starting at tokens[i]; returns the elements and the next index. */
function readValues(tokens: string[], i: number): [Element[], number] {
  if (tokens[i] !== '{') return [[element(tokens[i])], i + 1];
  const out: Element[] = [];
  let j = i + 1;
  while (tokens[j] !== '}') {
    if (tokens[j] !== ',') out.push(element(tokens[j]));
    j++;
  }
  return [out, j + 1];
}

/** Parses the `table inet … { … }` block(s) of an `nft -f` text; the last definition of a table wins, as a replace does. */
export function parseRuleset(text: string): Ruleset {
  const tokens = tokenize(text);
  let rs: Ruleset = { sets: new Map(), maps: new Map(), chains: new Map() };
  let i = 0;
  const expect = (t: string): void => {
    if (tokens[i] !== t) throw new Error(`expected ${t} at token ${i}, got ${tokens[i]}`);
    i++;
  };
  while (i < tokens.length) {
    const word = tokens[i];
    if (word === 'delete') {
      // `delete table inet x`: the table is gone.
      i += 4;
      rs = { sets: new Map(), maps: new Map(), chains: new Map() };
      continue;
    }
    if (word !== 'table') throw new Error(`unexpected token ${word}`);
    i += 3; // table inet name
    if (tokens[i] !== '{') continue;
    expect('{');
    while (tokens[i] !== '}') {
      const kind = tokens[i];
      const name = tokens[i + 1];
      i += 2;
      expect('{');
      if (kind === 'chain') {
        const rules: string[][] = [];
        let cur: string[] = [];
        // Statements end at `;` or at a line break; the tokenizer drops line breaks, so the
        // renderer's one-rule-per-line layout is recovered from the verdict words.
        while (tokens[i] !== '}') {
          if (tokens[i] === '{') {
            const [vals, next] = readValues(tokens, i);
            cur.push(`{${vals.map((v) => ('word' in v ? v.word : `${v.lo}-${v.hi}`)).join(',')}}`);
            i = next;
            continue;
          }
          if (tokens[i] === ';') {
            if (cur.length) rules.push(cur);
            cur = [];
            i++;
            continue;
          }
          cur.push(tokens[i]);
          i++;
          if (endsRule(cur, tokens[i])) {
            rules.push(cur);
            cur = [];
          }
        }
        if (cur.length) rules.push(cur);
        i++;
        const head = rules[0];
        if (head?.[0] === 'type') {
          const policy = rules[1]?.[0] === 'policy' ? (rules[1][1] as Verdict) : 'accept';
          rs.base = { chain: name, policy };
          rules.splice(0, rules[1]?.[0] === 'policy' ? 2 : 1);
        }
        rs.chains.set(name, rules);
      } else if (kind === 'set' || kind === 'map') {
        const elements: Element[] = [];
        const map = new Map<string, string>();
        while (tokens[i] !== '}') {
          if (tokens[i] === 'elements') {
            i += 2; // elements =
            expect('{');
            while (tokens[i] !== '}') {
              if (tokens[i] === ',') {
                i++;
                continue;
              }
              if (kind === 'map') {
                // key : jump chain
                map.set(tokens[i], `${tokens[i + 2]} ${tokens[i + 3]}`);
                i += 4;
              } else {
                elements.push(element(tokens[i]));
                i++;
              }
            }
          }
          i++;
        }
        i++;
        if (kind === 'set') rs.sets.set(name, elements);
        else rs.maps.set(name, map);
      } else {
        throw new Error(`unsupported table object ${kind}`);
      }
    }
    expect('}');
  }
  return rs;
}

/** A rule ends after its verdict and optional `comment "…"` (the renderer puts one rule per line). */
function endsRule(cur: string[], next: string | undefined): boolean {
  if (next === 'comment' || next === 'with' || next === undefined) return false;
  const last = cur[cur.length - 1];
  const prev = cur[cur.length - 2];
  if (prev === 'comment') return true;
  if (['accept', 'drop', 'return'].includes(last)) return true;
  if (prev === 'jump' || prev === 'goto') return true;
  if (prev === 'vmap') return true;
  if (last === 'admin-prohibited' || (last === 'reject' && next !== 'with')) return true;
  if (prev === 'policy') return true;
  if (cur[0] === 'type' && last === '10') return true;
  return false;
}

function inValues(values: Element[], v: bigint | string): boolean {
  return values.some((e) => ('word' in e ? e.word === v : typeof v === 'bigint' && v >= e.lo && v <= e.hi));
}

function valuesOf(rs: Ruleset, token: string): Element[] {
  if (token.startsWith('@')) {
    const set = rs.sets.get(token.slice(1));
    if (!set) throw new Error(`no set ${token}`);
    return set;
  }
  if (token.startsWith('{')) return token.slice(1, -1).split(',').map((x) => (/^\d+-\d+$/.test(x) ? { lo: BigInt(x.split('-')[0]), hi: BigInt(x.split('-')[1]) } : element(x)));
  return [element(token)];
}

type Outcome = Verdict | 'return' | 'continue';

function runChain(rs: Ruleset, name: string, p: Packet, depth: number): Outcome {
  if (depth > 16) throw new Error('jump loop');
  const rules = rs.chains.get(name);
  if (!rules) throw new Error(`no chain ${name}`);
  for (const rule of rules) {
    const r = runRule(rs, rule, p, depth);
    if (r !== 'continue') return r;
  }
  return 'return';
}

function runRule(rs: Ruleset, rule: string[], p: Packet, depth: number): Outcome {
  let i = 0;
  while (i < rule.length) {
    const t = rule[i];
    if (t === 'ip' && (rule[i + 1] === 'saddr' || rule[i + 1] === 'daddr')) {
      const addr = ipValue(rule[i + 1] === 'saddr' ? p.saddr : p.daddr);
      if (rule[i + 2] === 'vmap') {
        const map = rs.maps.get(rule[i + 3].slice(1));
        if (!map) throw new Error(`no map ${rule[i + 3]}`);
        const hit = [...map.entries()].find(([k]) => ipValue(k) === addr);
        if (!hit) return 'continue';
        return verdict(rs, hit[1].split(' '), p, depth);
      }
      const negate = rule[i + 2] === '!=';
      const values = valuesOf(rs, rule[i + (negate ? 3 : 2)]);
      if (inValues(values, addr) === negate) return 'continue';
      i += negate ? 4 : 3;
    } else if (t === 'meta' && rule[i + 1] === 'l4proto') {
      if (!inValues(valuesOf(rs, rule[i + 2]), p.protocol)) return 'continue';
      i += 3;
    } else if (t === 'th' && rule[i + 1] === 'dport') {
      if (p.dport === undefined || !inValues(valuesOf(rs, rule[i + 2]), BigInt(p.dport))) return 'continue';
      i += 3;
    } else if (t === 'ct' && rule[i + 1] === 'state') {
      if (!rule[i + 2].split(',').includes(p.ctState)) return 'continue';
      i += 3;
    } else if (t === 'counter') {
      i++;
    } else if (t === 'comment') {
      i += 2;
    } else {
      return verdict(rs, rule.slice(i).filter((w, k, a) => w !== 'comment' && a[k - 1] !== 'comment'), p, depth);
    }
  }
  return 'continue';
}

function verdict(rs: Ruleset, words: string[], p: Packet, depth: number): Outcome {
  switch (words[0]) {
    case 'accept':
    case 'drop':
    case 'reject':
      return words[0];
    case 'return':
      return 'return';
    case 'jump': {
      const r = runChain(rs, words[1], p, depth + 1);
      return r === 'return' ? 'continue' : r;
    }
    default:
      throw new Error(`unsupported statement ${words.join(' ')}`);
  }
}

/** The verdict of the table's forward base chain on one packet (no table: accept). */
export function judge(rs: Ruleset, p: Packet): Verdict {
  if (!rs.base) return 'accept';
  const r = runChain(rs, rs.base.chain, p, 0);
  return r === 'accept' || r === 'drop' || r === 'reject' ? r : rs.base.policy;
}
