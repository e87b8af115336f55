/**
 * Decoding manifests: YAML (1.1, as kubectl parses it) and JSON, multi-document files, `kind: List`
 * (what `kubectl get -o yaml` prints), directories and stdin. Every object remembers where it came
 * from so later errors can point at file:line of the offending field.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import { InvalidInputError, type InputError } from './errors.ts';
import { kindInfo, type KindInfo } from './kinds.ts';
import type { KObject } from './types.ts';

export type FieldPath = readonly (string | number)[];

/** Where a decoded object came from, and how to find the line of any of its fields. */
export interface ObjectSource {
  file: string;
  line: number;
  /** Line of the deepest existing node on `path` (relative to the object). */
  lineOf(path: FieldPath): number;
}

export interface SourcedObject {
  object: KObject;
  info: KindInfo;
  source: ObjectSource;
}

export interface DecodeResult {
  objects: SourcedObject[];
  warnings: string[];
}

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** Expands files and directories (recursively, *.yaml|*.yml|*.json, sorted) and `-` for stdin. */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, top: boolean): void => {
    if (p === '-') {
      out.push(p);
      return;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InvalidInputError([{ file: p, reason: 'no such file or directory' }]);
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) walk(join(p, entry), false);
    } else if (top || MANIFEST_EXT.test(p)) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p, true);
  return out;
}

function readSource(file: string): string {
  return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
}

/** Decodes every manifest under `paths`; throws InvalidInputError listing all syntax errors. */
export function decodePaths(paths: readonly string[]): DecodeResult {
  const result: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  for (const file of expandPaths(paths)) {
    const name = file === '-' ? '<stdin>' : file;
    decodeText(readSource(file), name, result, errors);
  }
  if (errors.length) throw new InvalidInputError(errors);
  return result;
}

/** Decodes one text; pushes objects and warnings into `result`, syntax errors into `errors`. */
export function decodeText(text: string, file: string, result: DecodeResult, errors: InputError[]): void {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const docList = Array.isArray(docs) ? docs : [docs];
  for (const doc of docList) {
    if (doc.errors.length) {
      for (const err of doc.errors) errors.push({ file, line: lineAt(err.pos[0]), reason: `invalid YAML: ${firstLine(err.message)}` });
      continue;
    }
    if (doc.contents === null) continue; // empty document (e.g. a trailing `---`)
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    const startLine = lineAt(doc.contents.range?.[0] ?? 0);
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ file, line: startLine, reason: 'a manifest must be a mapping with apiVersion and kind' });
      continue;
    }
    collect(value as Record<string, unknown>, [], doc, lineAt, file, result, errors);
  }
}

function collect(
  raw: Record<string, unknown>,
  base: FieldPath,
  doc: Document,
  lineAt: (offset: number) => number,
  file: string,
  result: DecodeResult,
  errors: InputError[],
): void {
  const lineOf = (path: FieldPath): number => lineOfPath(doc, [...base, ...path], lineAt);
  const line = lineOf([]);
  const { kind, apiVersion } = raw;
  if (typeof kind !== 'string' || kind === '') {
    errors.push({ file, line, field: 'kind', reason: 'Required value: every object needs a kind' });
    return;
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    errors.push({ file, line, field: 'apiVersion', reason: `Required value: ${kind} needs an apiVersion` });
    return;
  }
  if (kind === 'List' || kind.endsWith('List')) {
    const items = raw.items;
    if (items === null || items === undefined) return;
    if (!Array.isArray(items)) {
      errors.push({ file, line, field: 'items', reason: 'must be a list of objects' });
      return;
    }
    items.forEach((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        errors.push({ file, line: lineOf(['items', i]), field: `items[${i}]`, reason: 'must be an object' });
      } else {
        collect(item as Record<string, unknown>, [...base, 'items', i], doc, lineAt, file, result, errors);
      }
    });
    return;
  }
  const info = kindInfo(kind);
  if (!info) {
    result.warnings.push(`${file}:${line}: skipping ${apiVersion} ${kind}: podnet does not model this kind`);
    return;
  }
  result.objects.push({ object: raw as KObject, info, source: { file, line, lineOf } });
}

/** The line of the deepest node on `path` that exists (keys point at their own line). */
function lineOfPath(doc: Document, path: FieldPath, lineAt: (offset: number) => number): number {
  let node: unknown = doc.contents;
  let line = lineAt((doc.contents as YamlNode | null)?.range?.[0] ?? 0);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyNode = pair.key as YamlNode;
      if (keyNode.range) line = lineAt(keyNode.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg];
      const r = (node as YamlNode | null)?.range;
      if (r) line = lineAt(r[0]);
    } else {
      break;
    }
  }
  return line;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
