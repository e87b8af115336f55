/**
 * A packet tracer over rendered kube-proxy nftables text, for tests: it loads `nft -f` statements
 * into a table model and runs one NEW connection through the hooks in kernel order, exploring every
 * `numgen` branch. Like upstream's nftablesTracer it understands only the rule shapes the renderer
 * emits — an unknown rule throws, so a renderer change cannot silently escape the differential test.
 */

export interface TracerTable {
  chains: Map<string, { base?: { type: string; hook: string; priority: number }; rules: string[] }>;
  sets: Map<string, { elements: Set<string>; timeoutSeconds?: number }>;
  maps: Map<string, Map<string, string>>;
}

export function emptyTable(): TracerTable {
  return { chains: new Map(), sets: new Map(), maps: new Map() };
}

const PREFIX = /^(add|flush|delete) (table|chain|set|map|rule|element) ip kube-proxy(?: (.*))?$/;

/** Applies `nft -f` statements (only `ip kube-proxy`) to `table`, as the kernel would, in order. */
export function loadNft(text: string, table: TracerTable = emptyTable()): TracerTable {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = PREFIX.exec(line);
    if (!m) throw new Error(`tracer: unsupported statement: ${line}`);
    const [, verb, kind, rest = ''] = m;
    const name = rest.split(' ')[0];
    if (kind === 'table') {
      if (verb === 'delete') {
        table.chains.clear();
        table.sets.clear();
        table.maps.clear();
      }
    } else if (kind === 'chain') {
      if (verb === 'add') {
        const base = /\{ type (\w+) hook (\w+) priority (-?\d+) ; \}/.exec(rest);
        if (!table.chains.has(name)) table.chains.set(name, { ...(base ? { base: { type: base[1], hook: base[2], priority: Number(base[3]) } } : {}), rules: [] });
      } else if (verb === 'flush') chain(table, name).rules = [];
      else {
        if (chain(table, name).rules.length) throw new Error(`tracer: delete of non-empty chain ${name}`);
        table.chains.delete(name);
      }
    } else if (kind === 'set') {
      if (verb === 'add') {
        const t = /timeout (\d+)s/.exec(rest);
        if (!table.sets.has(name)) table.sets.set(name, { elements: new Set(), ...(t ? { timeoutSeconds: Number(t[1]) } : {}) });
      } else if (verb === 'delete') table.sets.delete(name);
      else set(table, name).elements.clear();
    } else if (kind === 'map') {
      if (verb === 'add' && !table.maps.has(name)) table.maps.set(name, new Map());
      else if (verb === 'delete') table.maps.delete(name);
    } else if (kind === 'rule') {
      const rule = rest.slice(name.length + 1).replace(/ comment "[^"]*"$/, '');
      chain(table, name).rules.push(rule);
    } else {
      const e = /^(\S+) \{ (.*?)(?: comment "[^"]*")?(?: : (.*))? \}$/.exec(rest);
      if (!e) throw new Error(`tracer: bad element: ${line}`);
      const [, container, key, value] = e;
      if (table.sets.has(container)) {
        if (verb === 'add') set(table, container).elements.add(key);
        else set(table, container).elements.delete(key);
      } else {
        const map = table.maps.get(container);
        if (!map) throw new Error(`tracer: no set or map ${container}`);
        if (verb === 'add') {
          if (map.has(key) && map.get(key) !== value) throw new Error(`tracer: element ${key} already in ${container} (File exists)`);
          map.set(key, value ?? '');
        } else map.delete(key);
      }
    }
  }
  return table;
}

function chain(t: TracerTable, name: string): { rules: string[] } {
  const c = t.chains.get(name);
  if (!c) throw new Error(`tracer: no chain ${name}`);
  return c;
}

function set(t: TracerTable, name: string): { elements: Set<string>; timeoutSeconds?: number } {
  const s = t.sets.get(name);
  if (!s) throw new Error(`tracer: no set ${name}`);
  return s;
}

export interface TracePacket {
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  port: number;
}

export interface TraceContext {
  /** Addresses `fib saddr/daddr type local` matches (node addresses; 127.0.0.0/8 is always local). */
  localAddresses: string[];
  /** Dynamic affinity set contents: set name → client IPs currently in it. */
  affinity?: Map<string, string[]>;
}

export interface TraceOutcome {
  verdict: 'accept' | 'drop' | 'reject';
  /** "ip:port" after DNAT, if DNATed. */
  dnat?: string;
  masquerade: boolean;
  /** Regular chains entered, in order. */
  chains: string[];
}

interface State {
  daddr: string;
  dport: number;
  mark: number;
  dnat?: string;
  chains: string[];
}

type Verdict = 'accept' | 'drop' | 'reject' | 'continue';
interface Branch {
  state: State;
  verdict: Verdict;
}

const MASQ = 0x4000;

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inCIDR(ip: string, cidr: string): boolean {
  const [net, len] = cidr.includes('/') ? cidr.split('/') : [cidr, '32'];
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(net) & mask) >>> 0);
}

function inList(ip: string, list: string): boolean {
  return list.split(',').map((s) => s.trim()).some((c) => inCIDR(ip, c));
}

/** Runs one NEW connection through the table's base chains; one outcome per numgen branch. */
export function trace(table: TracerTable, packet: TracePacket, ctx: TraceContext): TraceOutcome[] {
  const isLocal = (ip: string): boolean => ctx.localAddresses.includes(ip) || inCIDR(ip, '127.0.0.0/8');
  const fromHost = isLocal(packet.src);
  const start: State = { daddr: packet.dst, dport: packet.port, mark: 0, chains: [] };
  const hooks = fromHost ? ['filter-output-pre-dnat', 'nat-output', 'filter-output'] : ['filter-prerouting-pre-dnat', 'nat-prerouting'];
  let branches: Branch[] = [{ state: start, verdict: 'continue' }];
  // accept ends one base chain only; the packet still meets later hooks and priorities.
  const settle = (list: Branch[]): Branch[] => list.map((b) => (b.verdict === 'accept' ? { ...b, verdict: 'continue' } : b));
  const runHook = (hook: string): void => {
    if (!table.chains.has(hook)) return;
    branches = settle(branches.flatMap((b) => (b.verdict !== 'continue' ? [b] : runChain(hook, b.state, true))));
  };
  for (const h of hooks) runHook(h);
  // After DNAT: local delivery goes through input, the rest is forwarded.
  branches = branches.flatMap((b) => {
    if (b.verdict !== 'continue') return [b];
    const next = isLocal(b.state.daddr) ? 'filter-input' : fromHost ? undefined : 'filter-forward';
    return next && table.chains.has(next) ? settle(runChain(next, b.state, true)) : [b];
  });
  runHook('nat-postrouting');
  return branches.map((b) => ({
    verdict: b.verdict === 'continue' ? 'accept' : b.verdict,
    ...(b.state.dnat ? { dnat: b.state.dnat } : {}),
    masquerade: (b.state.mark & MASQ) !== 0 || b.state.chains.includes('masquerade'),
    chains: b.state.chains.filter((c) => c !== 'masquerade'),
  }));

  /** Runs a chain; `continue` means it fell off the end (base chain: policy accept; jump: return to caller). */
  function runChain(name: string, state: State, base = false): Branch[] {
    const c = table.chains.get(name);
    if (!c) throw new Error(`tracer: no chain ${name}`);
    if (!base) state = { ...state, chains: [...state.chains, name] };
    return runRules(c.rules, 0, state);
  }

  function runRules(rules: string[], i: number, state: State): Branch[] {
    if (i >= rules.length) return [{ state, verdict: 'continue' }];
    const out = step(rules[i], state);
    return out.flatMap((r) => (r.kind === 'next' ? runRules(rules, i + 1, r.state) : r.kind === 'goto' ? r.branches : [{ state: r.state, verdict: r.verdict }]));
  }

  type StepResult = { kind: 'next'; state: State } | { kind: 'final'; state: State; verdict: Verdict } | { kind: 'goto'; branches: Branch[] };

  /** A jump returns to the next rule on fall-through; a goto does not. Terminal verdicts end the hook. */
  function transfer(verb: string, target: string, state: State): StepResult[] {
    const sub = runChain(target, state);
    if (verb === 'goto') return [{ kind: 'goto', branches: sub }];
    return sub.map((b) => (b.verdict === 'continue' ? { kind: 'next', state: b.state } : { kind: 'final', state: b.state, verdict: b.verdict }));
  }

  function verdictStep(v: string, state: State): StepResult[] {
    const m = /^(jump|goto) (\S+)$/.exec(v);
    if (m) return transfer(m[1], m[2], state);
    if (v === 'drop' || v === 'reject' || v === 'accept') return [{ kind: 'final', state, verdict: v }];
    throw new Error(`tracer: unsupported verdict ${v}`);
  }

  function vmap(mapName: string, key: string, state: State): StepResult[] {
    const map = table.maps.get(mapName);
    if (!map) throw new Error(`tracer: no map ${mapName}`);
    const v = map.get(key);
    return v === undefined ? [{ kind: 'next', state }] : verdictStep(v, state);
  }

  function step(rule: string, state: State): StepResult[] {
    const key3 = `${state.daddr} . ${packet.protocol} . ${state.dport}`;
    const key2 = `${packet.protocol} . ${state.dport}`;
    let m: RegExpExecArray | null;
    if ((m = /^ct state new (jump|goto) (\S+)$/.exec(rule))) return transfer(m[1], m[2], state);
    if ((m = /^(jump|goto) (\S+)$/.exec(rule))) return transfer(m[1], m[2], state);
    if (rule === 'reject') return [{ kind: 'final', state, verdict: 'reject' }];
    if ((m = /^ip daddr @(\S+) reject$/.exec(rule))) return set(table, m[1]).elements.has(state.daddr) ? [{ kind: 'final', state, verdict: 'reject' }] : [{ kind: 'next', state }];
    if ((m = /^ip daddr \{ (.*) \} drop$/.exec(rule))) return inList(state.daddr, m[1]) ? [{ kind: 'final', state, verdict: 'drop' }] : [{ kind: 'next', state }];
    if ((m = /^ip daddr \. meta l4proto \. th dport vmap @(\S+)$/.exec(rule))) return vmap(m[1], key3, state);
    if ((m = /^ip daddr @(\S+) meta l4proto \. th dport vmap @(\S+)$/.exec(rule))) return set(table, m[1]).elements.has(state.daddr) ? vmap(m[2], key2, state) : [{ kind: 'next', state }];
    if ((m = /^fib daddr type local ip daddr != 127\.0\.0\.0\/8 meta l4proto \. th dport vmap @(\S+)$/.exec(rule))) return isLocal(state.daddr) && !inCIDR(state.daddr, '127.0.0.0/8') ? vmap(m[1], key2, state) : [{ kind: 'next', state }];
    if ((m = /^ip daddr != 127\.0\.0\.0\/8 meta l4proto \. th dport vmap @(\S+)$/.exec(rule))) return !inCIDR(state.daddr, '127.0.0.0/8') ? vmap(m[1], key2, state) : [{ kind: 'next', state }];
    if ((m = /^mark set mark or (0x[0-9a-f]+)$/.exec(rule))) return [{ kind: 'next', state: { ...state, mark: state.mark | Number(m[1]) } }];
    if ((m = /^mark and (0x[0-9a-f]+) == 0 return$/.exec(rule))) return (state.mark & Number(m[1])) === 0 ? [{ kind: 'final', state, verdict: 'continue' }] : [{ kind: 'next', state }];
    if ((m = /^mark set mark xor (0x[0-9a-f]+)$/.exec(rule))) return [{ kind: 'next', state: { ...state, mark: state.mark ^ Number(m[1]), chains: [...state.chains, 'masquerade'] } }];
    if (rule === 'masquerade fully-random') return [{ kind: 'final', state, verdict: 'accept' }];
    if ((m = /^ip daddr (\S+) ip saddr != (\S+) (jump|goto) (\S+)$/.exec(rule))) return state.daddr === m[1] && !inCIDR(packet.src, m[2]) ? transfer(m[3], m[4], state) : [{ kind: 'next', state }];
    if ((m = /^ip daddr (\S+) (tcp|udp|sctp) dport (\d+) (jump|goto) (\S+)$/.exec(rule))) return state.daddr === m[1] && packet.protocol === m[2] && state.dport === Number(m[3]) ? transfer(m[4], m[5], state) : [{ kind: 'next', state }];
    if ((m = /^ip saddr (\d+\.\d+\.\d+\.\d+(?:\/\d+)?) (jump|goto) (\S+)$/.exec(rule))) return inCIDR(packet.src, m[1]) ? transfer(m[2], m[3], state) : [{ kind: 'next', state }];
    if ((m = /^fib saddr type local (jump|goto) (\S+)$/.exec(rule))) return isLocal(packet.src) ? transfer(m[1], m[2], state) : [{ kind: 'next', state }];
    if ((m = /^ip saddr != \{ (.*) \} drop$/.exec(rule))) return !inList(packet.src, m[1]) ? [{ kind: 'final', state, verdict: 'drop' }] : [{ kind: 'next', state }];
    if ((m = /^ip saddr @(\S+) (jump|goto) (\S+)$/.exec(rule))) return (ctx.affinity?.get(m[1]) ?? []).includes(packet.src) ? transfer(m[2], m[3], state) : [{ kind: 'next', state }];
    if (/^update @\S+ \{ ip saddr \}$/.test(rule)) return [{ kind: 'next', state }];
    if ((m = /^numgen random mod (\d+) vmap \{ (.*) \}$/.exec(rule))) {
      const entries = m[2].split(' , ').map((e) => /^(\d+) : (.*)$/.exec(e) as RegExpExecArray);
      if (entries.length !== Number(m[1])) throw new Error(`tracer: numgen mod ${m[1]} with ${entries.length} entries`);
      return entries.flatMap((e) => verdictStep(e[2], state));
    }
    if ((m = /^meta l4proto (tcp|udp|sctp) dnat to (\S+):(\d+)$/.exec(rule))) {
      if (m[1] !== packet.protocol) return [{ kind: 'next', state }];
      // dnat is terminal for the nat hook, like accept.
      return [{ kind: 'final', state: { ...state, daddr: m[2], dport: Number(m[3]), dnat: `${m[2]}:${m[3]}` }, verdict: 'accept' }];
    }
    throw new Error(`tracer: unsupported rule: ${rule}`);
  }
}
