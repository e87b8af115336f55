/**
 * What-if editor: YAML checked as you type with the exact errors `podnet apply` gives (inline and in
 * the gutter), the matrix diff the change would make (flows opened/closed), then Apply for real.
 */
import { useEffect, useRef, useState } from 'react';
import type { ApplyResponse, Topology, WhatIfResponse } from '../../../src/server/ui-api/api-types.ts';
import { api, ApiError } from '../api.ts';
import type { YamlEditor } from '../editor/yaml-editor.ts';
import { lineDiagnostics } from '../lib/diagnostics.ts';
import type { UIState } from '../lib/url-state.ts';

const STARTER = `# Write or paste manifests (several documents with ---), or load a policy from the list.
# Errors appear as you type; the diff shows which flows the change opens and closes.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: example
  namespace: default
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

interface Props {
  topology: Topology;
  revision: number;
  update: (patch: Partial<UIState>, replace?: boolean) => void;
}

export default function EditorView({ topology: t, revision }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<YamlEditor>(undefined);
  const [result, setResult] = useState<WhatIfResponse>();
  const [checking, setChecking] = useState(false);
  const [applied, setApplied] = useState<ApplyResponse>();
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const focus = new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('focus') ?? '';

  useEffect(() => {
    let live = true;
    void import('../editor/yaml-editor.ts').then(({ createYamlEditor }) => {
      if (!live || !host.current) return;
      editor.current = createYamlEditor(
        host.current,
        STARTER,
        async (text) => {
          setChecking(true);
          try {
            const r = await api.whatIf(text);
            setResult(r);
            setFailure(undefined);
            return lineDiagnostics(r.errors, r.warnings, text.split('\n').length);
          } catch (err) {
            setFailure((err as Error).message);
            return [];
          } finally {
            setChecking(false);
          }
        },
        () => setApplied(undefined),
      );
      if (focus.startsWith('policy:')) void load(focus.slice('policy:'.length));
    });
    return () => {
      live = false;
      editor.current?.destroy();
      editor.current = undefined;
    };
    // The editor is created once; loading a policy later goes through load().
  }, []);

  async function load(ref: string): Promise<void> {
    const [ns, name] = ref.split('/');
    try {
      const o = await api.object('NetworkPolicy', ns, name);
      editor.current?.setText(o.yaml);
      editor.current?.focus();
    } catch (err) {
      setFailure((err as Error).message);
    }
  }

  async function apply(): Promise<void> {
    if (!editor.current) return;
    setBusy(true);
    try {
      const r = await api.apply(editor.current.text());
      setApplied(r);
      if (!r.ok) setResult((prev) => (prev ? { ...prev, ok: false, errors: r.errors } : prev));
    } catch (err) {
      setFailure(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const d = result?.diff;
  return (
    <div className="editor-view">
      <aside className="side narrow" aria-label="Policies">
        <h3>Load a policy</h3>
        <ul className="plain">
          {t.policies.map((p) => (
            <li key={p.ref}><button type="button" className="link" onClick={() => void load(p.ref)}>{p.ref}</button></li>
          ))}
        </ul>
        <p className="muted">Revision {revision < 0 ? '…' : revision}. {t.summary.source.kind === 'persisted' ? 'Apply writes the persisted cluster.' : 'Apply changes the in-memory cluster.'}</p>
      </aside>
      <section className="editor-main">
        <div ref={host} className="cm-host" data-testid="editor" />
        <div className="toolbar">
          <span role="status" data-testid="validation">
            {checking ? 'checking…' : !result ? '' : result.ok ? `✓ valid: ${result.results.map((r) => `${r.kind.toLowerCase()}/${r.name} ${r.action}`).join(', ')}` : `✗ ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}; nothing would be applied`}
          </span>
          <button type="button" onClick={() => void apply()} disabled={busy || !result?.ok} data-testid="apply">Apply</button>
        </div>
        {failure && <p className="error" role="alert">{failure}</p>}
        {result && !result.ok && (
          <ul className="errors" aria-label="Errors">{result.errors.map((e, i) => <li key={i}><code>error: {e.message}</code></li>)}</ul>
        )}
        {result?.warnings.map((w, i) => <p key={i} className="note">Warning: {w}</p>)}
        {applied && (
          <div className={applied.ok ? 'ok' : 'error'} role="status" data-testid="applied">
            {applied.ok ? `✓ applied at revision ${applied.revision}: ${applied.results.map((r) => `${r.kind.toLowerCase()}/${r.name} ${r.action}`).join(', ')}` : `✗ not applied: ${applied.errors.map((e) => e.message).join('; ')}`}
          </div>
        )}
      </section>
      <aside className="side" aria-label="Matrix diff" data-testid="diff">
        <h3>Matrix diff</h3>
        {!d && <p className="muted">The diff appears when the manifests are valid.</p>}
        {d && (
          <>
            <table className="list">
              <thead><tr><th>port</th><th>opened</th><th>closed</th><th>allowed before → after</th></tr></thead>
              <tbody>{d.summary.map((s) => <tr key={s.port}><td>{s.port}</td><td>+{s.opened}</td><td>−{s.closed}</td><td>{s.allowedBefore} → {s.allowedAfter} of {s.compared}</td></tr>)}</tbody>
            </table>
            {!d.opened.length && !d.closed.length && <p data-testid="no-change">No flow changes.</p>}
            {d.closed.length > 0 && <><h4>Closed (allowed before, denied after)</h4><ul className="plain flows" data-testid="closed">{d.closed.map((c, i) => <li key={i}>✗ − {c.from} → {c.to} {c.port}</li>)}</ul></>}
            {d.opened.length > 0 && <><h4>Opened (denied before, allowed after)</h4><ul className="plain flows" data-testid="opened">{d.opened.map((c, i) => <li key={i}>✓ + {c.from} → {c.to} {c.port}</li>)}</ul></>}
            {d.addedPods.length > 0 && <p className="muted">pods only after the change: {d.addedPods.join(', ')}</p>}
            {d.removedPods.length > 0 && <p className="muted">pods only before the change: {d.removedPods.join(', ')}</p>}
            {d.notes.map((n, i) => <p key={i} className="note">note: {n}</p>)}
          </>
        )}
      </aside>
    </div>
  );
}
