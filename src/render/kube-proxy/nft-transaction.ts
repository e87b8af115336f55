/**
 * An nftables transaction as data (knftables' Transaction: add/flush/delete of tables, chains, sets,
 * maps, rules, elements) and its text for `nft -f`, one statement per line as kube-proxy sends it.
 */

export type NftFamily = 'ip' | 'ip6';

export interface NftBaseChain {
  type: 'filter' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  priority: number;
}

export type NftObject =
  | { kind: 'table'; comment?: string }
  | { kind: 'chain'; name: string; base?: NftBaseChain; comment?: string }
  | { kind: 'set' | 'map'; name: string; type: string; flags?: string[]; timeoutSeconds?: number; comment?: string }
  | { kind: 'rule'; chain: string; rule: string; comment?: string }
  | { kind: 'element'; container: string; key: string; value?: string; comment?: string };

export interface NftOp {
  verb: 'add' | 'flush' | 'delete';
  object: NftObject;
}

export class NftTransaction {
  /** The statements, formatted as they are added (a large ruleset has ~10^5 of them). */
  readonly lines: string[] = [];
  constructor(readonly family: NftFamily, readonly table: string) {}

  add(object: NftObject): this {
    this.lines.push(formatOp(this.family, this.table, { verb: 'add', object }));
    return this;
  }

  flush(object: NftObject): this {
    this.lines.push(formatOp(this.family, this.table, { verb: 'flush', object }));
    return this;
  }

  delete(object: NftObject): this {
    this.lines.push(formatOp(this.family, this.table, { verb: 'delete', object }));
    return this;
  }

  /** A comment line (`# …`), ignored by nft. */
  comment(text: string): this {
    this.lines.push(`# ${text}`);
    return this;
  }

  /** Statements for `nft -f`, one per line. */
  toString(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }
}

const quote = (text: string): string => `"${text.replaceAll('"', '\\"')}"`;

export function formatOp(family: NftFamily, table: string, { verb, object: o }: NftOp): string {
  const where = `${family} ${table}`;
  switch (o.kind) {
    case 'table':
      return verb === 'add' && o.comment ? `add table ${where} { comment ${quote(o.comment)} ; }` : `${verb} table ${where}`;
    case 'chain': {
      if (verb !== 'add') return `${verb} chain ${where} ${o.name}`;
      const props: string[] = [];
      if (o.base) props.push(`type ${o.base.type} hook ${o.base.hook} priority ${o.base.priority} ;`);
      if (o.comment) props.push(`comment ${quote(o.comment)} ;`);
      return props.length ? `add chain ${where} ${o.name} { ${props.join(' ')} }` : `add chain ${where} ${o.name}`;
    }
    case 'set':
    case 'map': {
      if (verb !== 'add') return `${verb} ${o.kind} ${where} ${o.name}`;
      const props = [`type ${o.type} ;`];
      if (o.flags?.length) props.push(`flags ${o.flags.join(',')} ;`);
      if (o.timeoutSeconds !== undefined) props.push(`timeout ${o.timeoutSeconds}s ;`);
      if (o.comment) props.push(`comment ${quote(o.comment)} ;`);
      return `add ${o.kind} ${where} ${o.name} { ${props.join(' ')} }`;
    }
    case 'rule':
      return `add rule ${where} ${o.chain} ${o.rule}${o.comment ? ` comment ${quote(o.comment)}` : ''}`;
    case 'element': {
      const comment = o.comment && verb === 'add' ? ` comment ${quote(o.comment)}` : '';
      const value = o.value !== undefined && verb === 'add' ? ` : ${o.value}` : '';
      return `${verb} element ${where} ${o.container} { ${o.key}${comment}${value} }`;
    }
  }
}
