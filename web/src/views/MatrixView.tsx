/**
 * The policy matrix: pods × pods for one port at a time, computed server-side; the visible cells are
 * painted on a canvas (1,000+ pods scroll smoothly), the focused cell is also in the DOM for screen readers. Rows are sources, columns destinations, namespaces in
 * bands. Keyboard: arrows/Home/End/PageUp/PageDown move, Enter explains the focused cell.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { api } from '../api.ts';
import { useAsync } from '../hooks.ts';
import { cellAllowed, cellLabel, countAllowed, decodeBits, groupStarts, moveFocus, scrollToShow, visibleRange, type Focus } from '../lib/matrix-grid.ts';
import type { UIState } from '../lib/url-state.ts';
import { FlowPanel } from './FlowPanel.tsx';
import { CELL, MatrixCanvas } from './MatrixCanvas.tsx';

const ROW_HEAD = 250;
const COL_HEAD = 150;

/** Keeps a namespace band's label in view while its group is scrolled through. */
const bandOffset = (g: { start: number; count: number }, scroll: number): number =>
  Math.max(0, Math.min(scroll - g.start * CELL, g.count * CELL - CELL));

interface Props {
  state: UIState;
  update: (patch: Partial<UIState>, replace?: boolean) => void;
  revision: number;
}

export function MatrixView({ state, update, revision }: Props) {
  const m = useAsync(() => api.matrix(state.ns), [revision, state.ns.join(',')]);
  const data = m.data;
  const portIndex = data ? Math.max(0, data.ports.indexOf(state.port)) : 0;
  const port = data?.ports[portIndex] ?? '';
  const bits = useMemo(() => (data?.bits[portIndex] !== undefined ? decodeBits(data.bits[portIndex]) : undefined), [data, portIndex]);
  const n = data?.pods.length ?? 0;
  const allowedCount = useMemo(() => (bits && data ? countAllowed(bits, n, data.words) : 0), [bits, data, n]);
  const index = useMemo(() => new Map(data?.pods.map((p, i) => [p.ref, i]) ?? []), [data]);
  const bands = useMemo(() => groupStarts(data?.groups ?? []), [data]);

  const body = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0, w: 800, h: 500 });
  const [focus, setFocus] = useState<Focus>({ row: 0, col: 0 });

  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setScroll((s) => ({ ...s, w: el.clientWidth, h: el.clientHeight })));
    ro.observe(el);
    return () => ro.disconnect();
  }, [data]);

  // A selected flow in the URL focuses its cell.
  useEffect(() => {
    const r = index.get(state.from);
    const c = index.get(state.to);
    if (r !== undefined && c !== undefined) setFocus({ row: r, col: c });
  }, [index, state.from, state.to]);

  if (m.error) return <p className="error" role="alert">{m.error.message}</p>;
  if (!data || !bits) return <p className="muted">Computing the matrix…</p>;
  if (!data.ports.length) return <p className="muted">No ports: the pods declare no containerPorts.</p>;

  const rows = visibleRange(scroll.top, scroll.h, CELL, n);
  const cols = visibleRange(scroll.left, scroll.w, CELL, n);
  const selected = state.from && state.to ? { from: state.from, to: state.to } : undefined;

  const open = (f: Focus): void => update({ from: data.pods[f.row].ref, to: data.pods[f.col].ref, port });
  const focusCell = (f: Focus): void => {
    setFocus(f);
    const el = body.current;
    if (!el) return;
    el.scrollTop = scrollToShow(f.row, CELL, el.scrollTop, el.clientHeight);
    el.scrollLeft = scrollToShow(f.col, CELL, el.scrollLeft, el.clientWidth);
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open(focus);
      return;
    }
    const next = moveFocus(focus, e.key, n, Math.max(1, Math.floor(scroll.h / CELL) - 1), e.ctrlKey || e.metaKey);
    if (next) {
      e.preventDefault();
      focusCell(next);
    }
  };

  const cellAt = (e: MouseEvent<HTMLDivElement>): Focus | undefined => {
    const el = e.currentTarget;
    const box = el.getBoundingClientRect();
    const col = Math.floor((e.clientX - box.left + el.scrollLeft) / CELL);
    const row = Math.floor((e.clientY - box.top + el.scrollTop) / CELL);
    return row >= 0 && col >= 0 && row < n && col < n ? { row, col } : undefined;
  };
  const focusOk = cellAllowed(bits, data.words, focus.row, focus.col);
  const focusLabel = cellLabel(data.pods[focus.row].ref, data.pods[focus.col].ref, port, focusOk);
  const selRow = selected ? index.get(selected.from) : undefined;
  const selCol = selected ? index.get(selected.to) : undefined;

  return (
    <div className="matrix-view">
      <div className="matrix-main">
        <div className="toolbar">
          <div role="tablist" aria-label="Port" className="ports">
            {data.ports.map((p, i) => (
              <button key={p} type="button" role="tab" aria-selected={i === portIndex} className={i === portIndex ? 'active' : ''} onClick={() => update({ port: p }, true)}>{p}</button>
            ))}
          </div>
          <span data-testid="matrix-summary">{port}: {allowedCount} of {n * n} pairs allowed · {data.classes} equivalence classes · {data.enforced ? 'enforced' : 'not enforced by the CNI'}</span>
          <a className="button" href={api.matrixCSVURL(state.ns)} download="podnet-matrix.csv">Export CSV</a>
        </div>
        {data.notes.map((x, i) => <p key={i} className="note">note: {x}</p>)}
        <p className="legend"><span className="cell allow inline">✓</span> allowed <span className="cell deny inline">✗</span> denied · rows: from, columns: to · arrow keys move, Enter explains</p>
        <div className="matrix" style={{ gridTemplateColumns: `${ROW_HEAD}px 1fr`, gridTemplateRows: `${COL_HEAD}px 1fr` }}>
          <div className="corner">from ↓ / to →</div>
          <div className="colhead">
            <div style={{ transform: `translateX(${-scroll.left}px)`, width: n * CELL, position: 'relative', height: COL_HEAD }}>
              {data.groups.map((g) => (
                <div key={g.namespace} className="nsband-col" style={{ left: g.start * CELL, width: g.count * CELL }} title={g.namespace}>
                  <span style={{ left: bandOffset(g, scroll.left) }}>{g.namespace}</span>
                </div>
              ))}
              {Array.from({ length: cols.end - cols.start }, (_, k) => cols.start + k).map((c) => (
                <div key={c} className={`colname${focus.col === c ? ' focus' : ''}`} style={{ left: c * CELL }} title={data.pods[c].ref} data-index={c}>
                  <span>{data.pods[c].ref.split('/')[1]}</span>
                </div>
              ))}
            </div>
          </div>
          <div className="rowhead">
            <div style={{ transform: `translateY(${-scroll.top}px)`, height: n * CELL, position: 'relative' }}>
              {data.groups.map((g) => (
                <div key={g.namespace} className="nsband-row" style={{ top: g.start * CELL, height: g.count * CELL }} title={g.namespace}>
                  <span style={{ top: bandOffset(g, scroll.top) }}>{g.namespace}</span>
                </div>
              ))}
              {Array.from({ length: rows.end - rows.start }, (_, k) => rows.start + k).map((r) => (
                <div key={r} className={`rowname${focus.row === r ? ' focus' : ''}`} style={{ top: r * CELL }} title={data.pods[r].ref} data-index={r}>{data.pods[r].ref.split('/')[1]}</div>
              ))}
            </div>
          </div>
          <div className="mbody-wrap">
            <MatrixCanvas
              bits={bits}
              words={data.words}
              n={n}
              rows={rows}
              cols={cols}
              scroll={scroll}
              bands={bands}
              selected={selRow !== undefined && selCol !== undefined ? { row: selRow, col: selCol } : undefined}
            />
            <div
              ref={body}
              className="mbody"
              role="grid"
              aria-label={`Policy matrix for ${port}`}
              aria-rowcount={n}
              aria-colcount={n}
              aria-activedescendant="matrix-active"
              tabIndex={0}
              onKeyDown={onKey}
              onScroll={(e) => {
                const el = e.currentTarget;
                setScroll({ top: el.scrollTop, left: el.scrollLeft, w: el.clientWidth, h: el.clientHeight });
              }}
              onClick={(e) => {
                const f = cellAt(e);
                if (!f) return;
                setFocus(f);
                open(f);
              }}
              onMouseMove={(e) => {
                const f = cellAt(e);
                e.currentTarget.title = f ? cellLabel(data.pods[f.row].ref, data.pods[f.col].ref, port, cellAllowed(bits, data.words, f.row, f.col)) : '';
              }}
            >
              <div style={{ width: n * CELL, height: n * CELL, position: 'relative' }}>
                {/* Cells are painted on the canvas; the focused one is also a DOM cell for assistive technology. */}
                <div role="row" aria-rowindex={focus.row + 1} className="mrow" style={{ top: focus.row * CELL, height: CELL }}>
                  <div
                    id="matrix-active"
                    role="gridcell"
                    aria-colindex={focus.col + 1}
                    aria-selected={selRow === focus.row && selCol === focus.col}
                    aria-label={focusLabel}
                    data-allowed={focusOk}
                    data-row={focus.row}
                    data-col={focus.col}
                    className={`cell focus ${focusOk ? 'allow' : 'deny'}`}
                    style={{ left: focus.col * CELL, top: 0 }}
                  >
                    {focusOk ? '✓' : '✗'}
                  </div>
                </div>
              </div>
            </div>
          </div>
          <p className="sr-only" aria-live="polite">{focusLabel}</p>
        </div>
      </div>
      {selected && state.port && (
        <FlowPanel
          from={selected.from}
          to={selected.to}
          port={state.port}
          onClose={() => update({ from: '', to: '' })}
          onTrace={() => update({ view: 'trace', tport: state.port, protocol: state.port.split('/')[1] ?? 'TCP' })}
        />
      )}
    </div>
  );
}
