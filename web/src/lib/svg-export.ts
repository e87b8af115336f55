/** The topology as a standalone SVG document, from laid-out boxes and edges (what the canvas shows). */

export interface SvgBox {
  /** Centre and size, as cytoscape reports them. */
  x: number;
  y: number;
  w: number;
  h: number;
  label: string;
  kind: string;
  /** A stroke colour that marks state (ready/not ready, highlighted). */
  stroke?: string;
  fill?: string;
}

export interface SvgEdge {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  dashed?: boolean;
  color?: string;
}

export const escapeXML = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

const COMPOUND = new Set(['island', 'nsgroup', 'svcgroup']);

export function topologySVG(boxes: readonly SvgBox[], edges: readonly SvgEdge[], margin = 20): string {
  if (!boxes.length) return '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n';
  const minX = Math.min(...boxes.map((b) => b.x - b.w / 2)) - margin;
  const minY = Math.min(...boxes.map((b) => b.y - b.h / 2)) - margin;
  const maxX = Math.max(...boxes.map((b) => b.x + b.w / 2)) + margin;
  const maxY = Math.max(...boxes.map((b) => b.y + b.h / 2)) + margin;
  const w = Math.ceil(maxX - minX);
  const h = Math.ceil(maxY - minY);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="${minX.toFixed(1)} ${minY.toFixed(1)} ${w} ${h}" font-family="sans-serif" font-size="11">`];
  out.push(`<rect x="${minX.toFixed(1)}" y="${minY.toFixed(1)}" width="${w}" height="${h}" fill="#ffffff"/>`);
  // Compound boxes first (outermost drawn first: larger areas under smaller ones), then edges, then leaves.
  const compounds = boxes.filter((b) => COMPOUND.has(b.kind)).sort((a, b) => b.w * b.h - a.w * a.h);
  const leaves = boxes.filter((b) => !COMPOUND.has(b.kind));
  const rect = (b: SvgBox, rx: number, fill: string, stroke: string): string =>
    `<rect x="${(b.x - b.w / 2).toFixed(1)}" y="${(b.y - b.h / 2).toFixed(1)}" width="${b.w.toFixed(1)}" height="${b.h.toFixed(1)}" rx="${rx}" fill="${b.fill ?? fill}" stroke="${b.stroke ?? stroke}"/>`;
  const text = (b: SvgBox, top: boolean): string => {
    const lines = b.label.split('\n');
    const y0 = top ? b.y - b.h / 2 + 14 : b.y - ((lines.length - 1) * 13) / 2 + 4;
    return lines.map((l, i) => `<text x="${b.x.toFixed(1)}" y="${(y0 + i * 13).toFixed(1)}" text-anchor="middle">${escapeXML(l)}</text>`).join('');
  };
  for (const b of compounds) out.push(`<g class="${b.kind}">${rect(b, 8, b.kind === 'island' ? '#eef3fb' : '#f7f7f7', '#8899aa')}${text(b, true)}</g>`);
  for (const e of edges) {
    out.push(`<line x1="${e.x1.toFixed(1)}" y1="${e.y1.toFixed(1)}" x2="${e.x2.toFixed(1)}" y2="${e.y2.toFixed(1)}" stroke="${e.color ?? '#667788'}"${e.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
  }
  for (const b of leaves) out.push(`<g class="${b.kind}">${rect(b, 4, '#ffffff', '#556677')}${text(b, false)}</g>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
