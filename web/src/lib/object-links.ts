/** Where a lint finding's object (`Kind namespace/name`, `Kind name`) is shown in the UI. */
import type { View } from './url-state.ts';

export interface ObjectLink {
  view: View;
  focus: string;
  /** A NetworkPolicy can be opened in the what-if editor. */
  editable: boolean;
}

const FOCUS_KIND: Record<string, string> = { Pod: 'pod', NetworkPolicy: 'policy', Service: 'service', Node: 'node', Ingress: 'ingress', HTTPRoute: 'httproute' };

export function objectLink(text: string): ObjectLink | undefined {
  const m = /^(\w+) (\S+)$/.exec(text);
  if (!m) return undefined;
  const kind = FOCUS_KIND[m[1]];
  if (!kind) return undefined;
  return { view: 'topology', focus: `${kind}:${m[2]}`, editable: m[1] === 'NetworkPolicy' };
}
