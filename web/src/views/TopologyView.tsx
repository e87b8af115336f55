/**
 * Topology: nodes as islands holding their pods by namespace, Services linked to their endpoints,
 * Ingress/HTTPRoute linked to Services; filters by namespace and label selector (matched server-side);
 * selecting a pod shows the policies that select it, selecting a policy highlights the pods it selects.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Topology } from '../../../src/server/ui-api/api-types.ts';
import { api } from '../api.ts';
import type { GraphHandle } from '../graph/graph.ts';
import { useAsync } from '../hooks.ts';
import { podId, serviceId, topologyElements } from '../lib/topology-elements.ts';
import type { UIState } from '../lib/url-state.ts';
import { ObjectDetails } from './ObjectDetails.tsx';

interface Props {
  topology: Topology;
  state: UIState;
  update: (patch: Partial<UIState>, replace?: boolean) => void;
}

function download(name: string, href: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export default function TopologyView({ topology: t, state, update }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const [graph, setGraph] = useState<GraphHandle>();
  const [layout, setLayout] = useState<'preset' | 'elk'>('preset');
  const [selectorText, setSelectorText] = useState(state.selector);
  const selection = useAsync(() => (state.selector ? api.select(state.selector) : undefined), [state.selector, t.summary.revision]);
  const selected = useMemo(() => (state.selector && selection.data ? new Set(selection.data.pods) : undefined), [state.selector, selection.data]);
  const elements = useMemo(() => topologyElements(t, { namespaces: state.ns, selected }), [t, state.ns, selected]);

  useEffect(() => {
    let g: GraphHandle | undefined;
    let live = true;
    void import('../graph/graph.ts').then(async ({ createGraph }) => {
      if (!live || !container.current) return;
      g = await createGraph(container.current);
      g.onLayout(setLayout);
      g.onSelect((ref) => update({ focus: ref ?? '' }, true));
      setGraph(g);
    });
    return () => {
      live = false;
      g?.destroy();
    };
  }, [update]);

  useEffect(() => graph?.setElements(elements), [graph, elements]);

  // What the focused object relates to, from the model's answers (policy selections, endpoints).
  const [kind, ref] = state.focus ? [state.focus.slice(0, state.focus.indexOf(':')), state.focus.slice(state.focus.indexOf(':') + 1)] : ['', ''];
  useEffect(() => {
    if (!graph) return;
    if (kind === 'policy') graph.highlight((t.policies.find((p) => p.ref === ref)?.selects ?? []).map(podId));
    else if (kind === 'pod') graph.highlight([podId(ref)]);
    else if (kind === 'node') graph.highlight(t.pods.filter((p) => p.node === ref).map((p) => podId(p.ref)));
    else if (kind === 'service') graph.highlight([serviceId(ref), ...(t.services.find((s) => s.ref === ref)?.endpoints.map((e) => podId(e.pod)) ?? [])]);
    else graph.highlight([]);
  }, [graph, kind, ref, t, elements]);

  const pods = t.pods.filter((p) => (!state.ns.length || state.ns.includes(p.namespace)) && (!selected || selected.has(p.ref)));
  return (
    <div className="topology-view">
      <div className="graph-area">
        <div className="toolbar">
          <form onSubmit={(e) => { e.preventDefault(); update({ selector: selectorText.trim() }); }}>
            <label>Label selector <input value={selectorText} onChange={(e) => setSelectorText(e.target.value)} placeholder="app=frontend,tier!=db" aria-label="Label selector" /></label>
            <button type="submit">Filter</button>
            {state.selector && <button type="button" onClick={() => { setSelectorText(''); update({ selector: '' }); }}>Clear</button>}
          </form>
          {selection.error && <span className="error">{selection.error.message}</span>}
          <span className="muted" data-testid="layout">layout: {layout === 'elk' ? 'ELK layered' : 'preview (ELK loading)'}</span>
          <button type="button" disabled={!graph} onClick={() => graph && download('podnet-topology.png', graph.png())}>Export PNG</button>
          <button type="button" disabled={!graph} onClick={() => graph && download('podnet-topology.svg', URL.createObjectURL(new Blob([graph.svg()], { type: 'image/svg+xml' })))}>Export SVG</button>
        </div>
        <div ref={container} className="graph" data-testid="graph" data-layout={layout} data-pods={pods.length} role="img" aria-label={`Topology graph: ${t.nodes.length} nodes, ${pods.length} pods, ${t.services.length} services`} />
      </div>
      <aside className="side">
        {state.focus && <ObjectDetails focus={state.focus} topology={t} update={update} />}
        <section aria-label="Pods">
          <h3>Pods ({pods.length})</h3>
          <table className="list" data-testid="pods">
            <thead><tr><th>pod</th><th>node</th><th>IP</th><th>ready</th></tr></thead>
            <tbody>
              {pods.map((p) => (
                <tr key={p.ref} className={state.focus === `pod:${p.ref}` ? 'sel' : ''}>
                  <td><button type="button" className="link" onClick={() => update({ focus: `pod:${p.ref}` }, true)}>{p.ref}</button></td>
                  <td>{p.node ?? '—'}</td>
                  <td>{p.ips.join(', ') || '—'}</td>
                  <td>{p.ready ? '✓ yes' : '✗ no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-label="NetworkPolicies">
          <h3>NetworkPolicies ({t.policies.length})</h3>
          <ul className="plain">
            {t.policies.filter((p) => !state.ns.length || state.ns.includes(p.namespace)).map((p) => (
              <li key={p.ref}>
                <button type="button" className="link" onClick={() => update({ focus: `policy:${p.ref}` }, true)}>{p.ref}</button>
                <span className="muted"> [{p.policyTypes.join(', ')}] selects {p.selects.length} pod{p.selects.length === 1 ? '' : 's'}</span>
              </li>
            ))}
          </ul>
        </section>
        <section aria-label="Nodes">
          <h3>Nodes</h3>
          <ul className="plain">
            {t.nodes.map((n) => <li key={n.name}>{n.name} <span className="muted">{n.internalIP} · podCIDR {n.podCIDRs.join(', ')} · {n.ready ? 'Ready' : 'NotReady'}</span></li>)}
          </ul>
          <p className="muted">{t.summary.cni.mode}; {t.summary.cni.encapsulation ?? 'no encapsulation'}; pod MTU {t.summary.cni.podMTU}, cross-node {t.summary.cni.crossNodeMTU}, underlay {t.summary.cni.underlayMTU}; kube-proxy {t.summary.proxyMode}</p>
        </section>
      </aside>
    </div>
  );
}
