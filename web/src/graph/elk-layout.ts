/**
 * ELK layered layout in a Web Worker (elkjs's own worker script, emitted as a file), so a large
 * topology never freezes the page while ELK works; loaded only when a layout is first needed.
 */
import ELK from 'elkjs/lib/elk-api.js';
import workerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { elkGraph, leafCentres, type LayoutEdge, type LayoutNode } from '../lib/elk-graph.ts';

let elk: InstanceType<typeof ELK> | undefined;

export async function elkPositions(nodes: LayoutNode[], edges: LayoutEdge[]): Promise<Map<string, { x: number; y: number }>> {
  elk ??= new ELK({ workerUrl });
  return leafCentres(await elk.layout(elkGraph(nodes, edges)));
}
