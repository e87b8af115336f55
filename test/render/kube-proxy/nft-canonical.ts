/**
 * Canonical form of an `nft -f` transaction for golden comparisons (upstream's
 * sortNFTablesTransaction): objects grouped by type and sorted by name; rules keep their order
 * within a chain; blank lines and comments dropped.
 */
const ORDER = ['table', 'set', 'map', 'chain', 'rule', 'element'];

export function canonicalNft(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const keyed = lines.map((line, index) => {
    const m = /^(add|flush|delete) (\w+) ip kube-proxy ?(\S*)/.exec(line);
    const type = m?.[2] ?? '';
    return { line, index, verb: m?.[1] ?? '', type, name: m?.[3] ?? '' };
  });
  keyed.sort((a, b) => {
    const t = ORDER.indexOf(a.type) - ORDER.indexOf(b.type);
    if (t) return t;
    if (a.type === 'rule' || a.type === 'table') return a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index;
    return a.line < b.line ? -1 : a.line > b.line ? 1 : 0;
  });
  return keyed.map((k) => k.line);
}
