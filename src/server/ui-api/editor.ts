/**
 * The What-if editor: YAML from the browser goes through exactly what `podnet apply` does (decode →
 * default → validate → reconcile), first on an ephemeral copy to preview the matrix diff (what
 * `podnet diff -f` reports), then for real on the source's store.
 */
import { stringify } from 'yaml';
import { decodeText, type DecodeResult } from '../../api/decode.ts';
import { InvalidInputError, type InputError } from '../../api/errors.ts';
import { kindInfo } from '../../api/kinds.ts';
import type { KObject } from '../../api/types.ts';
import type { ClusterConfig } from '../../cluster/config.ts';
import type { Store } from '../../cluster/store.ts';
import { ClusterView } from '../../cluster/view.ts';
import { applyObjects, type ApplyResult } from '../../controllers/apply.ts';
import { computeMatrix, declaredPorts, diffMatrices, matrixPods, portKey, type MatrixDiff, type MatrixPort } from '../../model/matrix/index.ts';
import { PolicyIndex } from '../../model/policy/index.ts';
import type { ApplyItem, ApplyResponse, ObjectResponse, WhatIfResponse } from './api-types.ts';
import { RequestError } from './request-error.ts';
import { uiError } from './snapshot.ts';
import type { ClusterSource } from './source.ts';

export interface EditorInput {
  yaml: string;
  /** The name errors cite (`podnet apply -f NAME` prints it); default `editor.yaml`. */
  file?: string;
}

export function editorInput(body: unknown): EditorInput {
  const b = body as Partial<EditorInput> | null;
  if (!b || typeof b.yaml !== 'string') throw new RequestError(400, 'body must be {"yaml": "..."}');
  if (b.file !== undefined && (typeof b.file !== 'string' || !/^[\w.-]{1,100}$/.test(b.file))) throw new RequestError(400, 'file must be a plain file name');
  return { yaml: b.yaml, file: b.file };
}

type Outcome = { ok: true; decoded: DecodeResult; result: ApplyResult } | { ok: false; errors: InputError[]; warnings: string[] };

/** Decode and apply to `store`; every error `podnet apply` would print, nothing applied on error. */
function run(store: Store, input: EditorInput, config: ClusterConfig): Outcome {
  const decoded: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  const file = input.file ?? 'editor.yaml';
  decodeText(input.yaml, file, decoded, errors);
  if (errors.length) return { ok: false, errors, warnings: decoded.warnings };
  if (!decoded.objects.length) return { ok: false, errors: [{ file, reason: 'no objects passed to apply' }], warnings: decoded.warnings };
  try {
    return { ok: true, decoded, result: applyObjects(store, decoded.objects, config) };
  } catch (err) {
    if (err instanceof InvalidInputError) return { ok: false, errors: err.errors, warnings: decoded.warnings };
    throw err;
  }
}

const items = (r: ApplyResult): ApplyItem[] =>
  r.results.map(({ object, action }) => ({ kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name, action }));

function portsOf(a: PolicyIndex, b: PolicyIndex): MatrixPort[] {
  const seen = new Map<string, MatrixPort>();
  for (const p of [...declaredPorts(matrixPods(a)), ...declaredPorts(matrixPods(b))]) seen.set(portKey(p), p);
  return [...seen.values()];
}

/** Validate and preview: the flows the change opens and closes, all namespaces, every declared port. */
export function whatIf(source: ClusterSource, input: EditorInput): WhatIfResponse {
  const store = source.store();
  const config = source.config();
  const copy = store.ephemeralCopy();
  const out = run(copy, input, config);
  if (!out.ok) return { ok: false, errors: out.errors.map(uiError), warnings: out.warnings, results: [], diff: null };
  const warnings = [...out.decoded.warnings, ...out.result.warnings];
  const before = new PolicyIndex(new ClusterView(store.list(), config));
  const after = new PolicyIndex(new ClusterView(copy.list(), config));
  const problems = [...before.problems, ...after.problems];
  if (problems.length) return { ok: false, errors: problems.map(uiError), warnings, results: items(out.result), diff: null };
  const ports = portsOf(before, after);
  const diff: MatrixDiff = diffMatrices(computeMatrix(before, matrixPods(before), ports), computeMatrix(after, matrixPods(after), ports));
  return { ok: true, errors: [], warnings, results: items(out.result), diff };
}

/** Apply for real (persisted when the source is). */
export function applyText(source: ClusterSource, input: EditorInput): ApplyResponse {
  const store = source.store();
  const out = run(store, input, source.config());
  source.committed();
  if (!out.ok) return { ok: false, errors: out.errors.map(uiError), warnings: out.warnings, results: [], revision: store.revision };
  return { ok: true, errors: [], warnings: [...out.decoded.warnings, ...out.result.warnings], results: items(out.result), revision: store.revision };
}

/** An object as a manifest to edit: server-owned metadata and status left out. */
export function objectYAML(source: ClusterSource, params: URLSearchParams): ObjectResponse {
  const kind = params.get('kind') ?? '';
  const name = params.get('name') ?? '';
  const info = kindInfo(kind);
  if (!info) throw new RequestError(400, `unknown kind ${JSON.stringify(kind)}`);
  const ns = info.namespaced ? (params.get('namespace') || 'default') : undefined;
  const obj = source.store().list().find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? undefined) === ns);
  if (!obj) throw new RequestError(404, `${kind} ${ns ? `${ns}/` : ''}${name} not found`);
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, managedFields: _m, ...metadata } = obj.metadata;
  const { status: _s, ...rest } = obj as KObject & { status?: unknown };
  return { yaml: stringify({ ...rest, metadata }, { lineWidth: 0 }) };
}
