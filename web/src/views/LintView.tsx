/** Lint: the lint model's findings by severity, each with links to the objects involved and the fix. */
import type { UIState } from '../lib/url-state.ts';
import { api } from '../api.ts';
import { useAsync } from '../hooks.ts';
import { objectLink } from '../lib/object-links.ts';

interface Props {
  revision: number;
  update: (patch: Partial<UIState>, replace?: boolean) => void;
}

const MARK = { error: '✗ error', warning: '! warning', info: 'i info' } as const;

export default function LintView({ revision, update }: Props) {
  const report = useAsync(() => api.lint(), [revision]);
  const r = report.data;
  if (report.error) return <p className="error" role="alert">{report.error.message}</p>;
  if (!r) return <p className="muted">Linting…</p>;
  return (
    <div className="lint-view">
      <p data-testid="lint-counts">{r.counts.error} error(s), {r.counts.warning} warning(s), {r.counts.info} info · {r.rules.length} rules checked</p>
      {!r.findings.length && <p className="ok">✓ No findings.</p>}
      <ul className="plain" aria-label="Findings">
        {r.findings.map((f, i) => (
          <li key={i} className={`finding ${f.severity}`} data-testid="finding">
            <div><strong>{MARK[f.severity]}</strong> <code>{f.rule}</code> — {f.message}</div>
            <div>
              objects:{' '}
              {f.objects.map((o) => {
                const link = objectLink(o);
                return link ? (
                  <span key={o}>
                    <button type="button" className="link" onClick={() => update({ view: link.view, focus: link.focus })}>{o}</button>
                    {link.editable && <> (<button type="button" className="link" onClick={() => update({ view: 'editor', focus: link.focus })}>edit</button>)</>}{' '}
                  </span>
                ) : <span key={o}>{o} </span>;
              })}
            </div>
            <div className="fix"><strong>fix:</strong> {f.fix}</div>
          </li>
        ))}
      </ul>
      <details>
        <summary>Rules</summary>
        <ul className="plain">{r.rules.map((x) => <li key={x.id}><code>{x.id}</code> ({x.severity}): {x.title}</li>)}</ul>
      </details>
    </div>
  );
}
