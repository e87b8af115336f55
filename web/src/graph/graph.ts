/**
 * The topology canvas: cytoscape (loaded with the view) draws an instant preset layout, then ELK's
 * layered layout (loaded lazily, run in a Web Worker) refines it. Highlights mark policy selections and trace
 * paths; exports give PNG (the canvas) and SVG (from the laid-out boxes).
 */
import type { Core, ElementDefinition, EventObject, StylesheetJson } from 'cytoscape';
import type { ElementDef } from '../lib/topology-elements.ts';
import { topologySVG, type SvgBox, type SvgEdge } from '../lib/svg-export.ts';

export interface GraphHandle {
  setElements(elements: ElementDef[]): void;
  /** Emphasise these element ids and dim the rest (empty = clear). `fail` marks one element as the failing hop. */
  highlight(ids: readonly string[], fail?: string): void;
  /** Draw a numbered path through these element ids. */
  path(ids: readonly string[], failAt?: number): void;
  onSelect(cb: (ref: string | undefined) => void): void;
  png(): string;
  svg(): string;
  /** 'preset' until ELK has run, then 'elk'. */
  layout(): 'preset' | 'elk';
  onLayout(cb: (name: 'preset' | 'elk') => void): void;
  destroy(): void;
}

const STYLE: StylesheetJson = [
  { selector: 'node', style: { label: 'data(label)', 'font-size': 11, 'text-wrap': 'wrap', 'font-family': 'DejaVu Sans, sans-serif', color: '#1d2733' } },
  { selector: 'node.island', style: { shape: 'round-rectangle', 'background-color': '#eaf1fb', 'border-color': '#7d9cc9', 'border-width': 2, 'text-valign': 'top', 'text-halign': 'center', 'font-weight': 'bold', padding: '12px' } },
  { selector: 'node.island.notready', style: { 'border-style': 'dashed', 'border-color': '#c0392b' } },
  { selector: 'node.nsgroup', style: { shape: 'round-rectangle', 'background-color': '#ffffff', 'border-color': '#9aa7b5', 'border-style': 'dashed', 'border-width': 1, 'text-valign': 'top', 'text-halign': 'center', padding: '8px', color: '#445566' } },
  { selector: 'node.svcgroup', style: { shape: 'round-rectangle', 'background-color': '#fff8ee', 'border-color': '#d9a55b', 'border-width': 1, 'text-valign': 'top', 'text-halign': 'center', padding: '8px', color: '#7a5214' } },
  { selector: 'node.pod', style: { shape: 'round-rectangle', width: 190, height: 40, 'font-size': 10, 'background-color': '#ffffff', 'border-width': 2, 'border-color': '#2e7d32', 'text-valign': 'center', 'text-halign': 'center' } },
  { selector: 'node.pod.notready', style: { 'border-color': '#b26a00', 'border-style': 'dashed' } },
  { selector: 'node.pod.hostnet', style: { 'background-color': '#f1f1f1' } },
  { selector: 'node.service', style: { shape: 'round-tag', width: 180, height: 40, 'font-size': 10, 'background-color': '#fde9c8', 'border-width': 1, 'border-color': '#b7791f', 'text-valign': 'center', 'text-halign': 'center' } },
  { selector: 'node.route', style: { shape: 'tag', width: 180, height: 40, 'font-size': 10, 'background-color': '#efe4fb', 'border-width': 1, 'border-color': '#7b4fb3', 'text-valign': 'center', 'text-halign': 'center' } },
  { selector: 'edge', style: { width: 1.5, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'line-color': '#8a99a8', 'target-arrow-color': '#8a99a8', 'arrow-scale': 0.8 } },
  { selector: 'edge.notready', style: { 'line-style': 'dashed' } },
  { selector: 'edge.routes', style: { 'line-color': '#7b4fb3', 'target-arrow-color': '#7b4fb3' } },
  { selector: '.dim', style: { opacity: 0.25 } },
  { selector: 'node.hl', style: { 'border-color': '#1d4ed8', 'border-width': 4, 'background-color': '#dbe8ff' } },
  { selector: 'node.fail', style: { 'border-color': '#c0392b', 'border-width': 5, 'background-color': '#fde2df' } },
  { selector: 'edge.trace', style: { width: 4, 'line-color': '#1d4ed8', 'target-arrow-color': '#1d4ed8', label: 'data(label)', 'font-size': 12, 'text-background-color': '#ffffff', 'text-background-opacity': 1, 'z-index': 10 } },
  { selector: 'edge.trace.failed', style: { 'line-color': '#c0392b', 'target-arrow-color': '#c0392b', 'line-style': 'dashed' } },
  { selector: ':selected', style: { 'overlay-color': '#1d4ed8', 'overlay-opacity': 0.15 } },
];

export async function createGraph(container: HTMLElement): Promise<GraphHandle> {
  const { default: cytoscape } = await import('cytoscape');
  let layoutName: 'preset' | 'elk' = 'preset';
  let layoutListener: ((name: 'preset' | 'elk') => void) | undefined;
  let generation = 0;
  const cy: Core = cytoscape({ container, style: STYLE, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 3, boxSelectionEnabled: false });

  const runElk = async (gen: number): Promise<void> => {
    const { elkPositions } = await import('./elk-layout.ts');
    if (gen !== generation || cy.destroyed()) return;
    const nodes = cy.nodes().map((n) => ({ id: n.id(), parent: (n.data('parent') as string | undefined) ?? undefined, width: n.width(), height: n.height() }));
    const edges = cy.edges().toArray().filter((e) => !e.hasClass('trace')).map((e) => e as cytoscape.EdgeSingular).map((e) => ({ id: e.id(), source: e.source().id(), target: e.target().id() }));
    const positions = await elkPositions(nodes, edges);
    if (gen !== generation || cy.destroyed()) return;
    cy.layout({ name: 'preset', positions: (n: cytoscape.NodeSingular) => positions.get(n.id()) ?? n.position(), fit: true, padding: 20 } as cytoscape.LayoutOptions).run();
    layoutName = 'elk';
    layoutListener?.('elk');
  };

  const handle: GraphHandle = {
    setElements(elements) {
      generation++;
      cy.elements().remove();
      cy.add(elements as ElementDefinition[]);
      cy.layout({ name: 'preset', fit: true, padding: 20 }).run();
      layoutName = 'preset';
      layoutListener?.('preset');
      void runElk(generation);
    },
    highlight(ids, fail) {
      cy.batch(() => {
        cy.elements().removeClass('hl fail dim');
        if (!ids.length && !fail) return;
        const set = new Set(ids);
        cy.nodes().forEach((n) => {
          if (n.isParent()) return;
          if (set.has(n.id())) n.addClass('hl');
          else n.addClass('dim');
        });
        cy.edges().not('.trace').addClass('dim');
        if (fail) cy.getElementById(fail).removeClass('hl dim').addClass('fail');
      });
    },
    path(ids, failAt) {
      cy.remove('edge.trace');
      const failId = failAt !== undefined ? ids[failAt] : undefined;
      const steps: string[] = [];
      for (const id of ids) if (steps[steps.length - 1] !== id && cy.getElementById(id).nonempty()) steps.push(id);
      const edges: ElementDefinition[] = [];
      for (let i = 1; i < steps.length; i++) {
        const failed = failId !== undefined && i === steps.length - 1 && steps[i] === failId;
        edges.push({ group: 'edges', data: { id: `trace:${i}`, source: steps[i - 1], target: steps[i], label: String(i) }, classes: failed ? 'trace failed' : 'trace' });
      }
      cy.add(edges);
      handle.highlight(steps, failId && steps.includes(failId) ? failId : undefined);
    },
    onSelect(cb) {
      cy.on('tap', (e: EventObject) => {
        if (e.target === cy) cb(undefined);
        else if (e.target.isNode && e.target.isNode()) cb((e.target.data('ref') as string | undefined) ?? undefined);
      });
    },
    png: () => cy.png({ full: true, scale: 2, bg: '#ffffff', output: 'base64uri' }) as string,
    svg() {
      const boxes: SvgBox[] = cy.nodes().map((n) => {
        const bb = n.boundingBox({ includeLabels: false });
        return { x: (bb.x1 + bb.x2) / 2, y: (bb.y1 + bb.y2) / 2, w: bb.w, h: bb.h, label: String(n.data('label') ?? ''), kind: String(n.data('kind') ?? ''), stroke: n.hasClass('fail') ? '#c0392b' : n.hasClass('hl') ? '#1d4ed8' : undefined };
      });
      const edges: SvgEdge[] = cy.edges().map((e) => {
        const s = e.sourceEndpoint();
        const t = e.targetEndpoint();
        return { x1: s.x, y1: s.y, x2: t.x, y2: t.y, dashed: e.hasClass('notready') || e.hasClass('failed'), color: e.hasClass('trace') ? '#1d4ed8' : undefined };
      });
      return topologySVG(boxes, edges);
    },
    layout: () => layoutName,
    onLayout(cb) {
      layoutListener = cb;
    },
    destroy() {
      generation++;
      cy.destroy();
    },
  };
  return handle;
}
