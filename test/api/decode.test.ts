// Decoding as kubectl reads manifests: YAML 1.1 and JSON, multi-document files, `kind: List`,
// directories (recursive, *.yaml|*.yml|*.json), unknown kinds skipped with a warning naming file and line.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodePaths, expandPaths } from '../../src/api/decode.ts';
import { InvalidInputError } from '../../src/api/errors.ts';
import { decode, yaml } from './validate-helpers.ts';

const names = (text: string): string[] => decode(text).result.objects.map((s) => `${s.object.kind}/${s.object.metadata.name}@${s.source.line}`);

describe('decodeText', () => {
  it('multi-document YAML: every document, each with its starting line', () => {
    const text = yaml('apiVersion: v1', 'kind: Namespace', 'metadata: {name: a}', '---', 'apiVersion: v1', 'kind: Namespace', 'metadata: {name: b}');
    assert.deepEqual(names(text), ['Namespace/a@1', 'Namespace/b@5']);
  });

  it('empty documents, comments-only documents and a trailing --- are skipped', () => {
    const text = yaml('---', '# nothing here', '---', 'apiVersion: v1', 'kind: Namespace', 'metadata: {name: a}', '---', '---');
    const { result, errors } = decode(text);
    assert.deepEqual(errors, []);
    assert.deepEqual(result.objects.map((s) => s.object.metadata.name), ['a']);
  });

  it('kind: List (kubectl get -o yaml): items decoded, lines point into the list', () => {
    const text = yaml('apiVersion: v1', 'kind: List', 'items:', '- apiVersion: v1', '  kind: Namespace', '  metadata: {name: a}', '- apiVersion: v1', '  kind: Service', '  metadata: {name: s}', 'metadata: {resourceVersion: ""}');
    assert.deepEqual(names(text), ['Namespace/a@4', 'Service/s@7']);
  });

  it('typed lists (ServiceList) are lists too', () => {
    assert.deepEqual(names(yaml('apiVersion: v1', 'kind: ServiceList', 'items:', '- {apiVersion: v1, kind: Service, metadata: {name: s}}')), ['Service/s@4']);
  });

  it('JSON documents decode (JSON is YAML)', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } }] }, null, 2);
    assert.deepEqual(names(text), ['Pod/p@5']); // line 4 is `"items": [`, the item opens on line 5
  });

  it('lineOf points at the field, or at the deepest existing ancestor', () => {
    const text = yaml('apiVersion: v1', 'kind: Service', 'metadata:', '  name: s', 'spec:', '  ports:', '  - name: a', '    port: 80', '  - name: b', '    port: 81');
    const s = decode(text).result.objects[0];
    assert.equal(s.source.lineOf(['spec', 'ports', 1, 'port']), 10);
    assert.equal(s.source.lineOf(['spec', 'ports', 1, 'targetPort']), 9);
    assert.equal(s.source.lineOf(['spec', 'selector']), 5);
  });

  it('an unknown kind is skipped with a warning naming file, line and kind', () => {
    const text = yaml('apiVersion: v1', 'kind: Namespace', 'metadata: {name: a}', '---', 'apiVersion: v1', 'kind: ServiceAccount', 'metadata: {name: s}');
    const { result, errors } = decode(text, 'app.yaml');
    assert.deepEqual(errors, []);
    assert.deepEqual(result.objects.map((s) => s.object.kind), ['Namespace']);
    assert.deepEqual(result.warnings, ['app.yaml:5: skipping v1 ServiceAccount: podnet does not model this kind']);
  });

  it('a document without kind or apiVersion is an error at its line', () => {
    const { errors } = decode(yaml('apiVersion: v1', 'metadata: {name: a}', '---', 'kind: Namespace', 'metadata: {name: b}'));
    assert.deepEqual(errors.map((e) => [e.line, e.field, e.reason]), [
      [1, 'kind', 'Required value: every object needs a kind'],
      [4, 'apiVersion', 'Required value: Namespace needs an apiVersion'],
    ]);
  });

  it('a document that is not a mapping is an error', () => {
    const { errors } = decode(yaml('- a', '- b'));
    assert.deepEqual(errors.map((e) => e.reason), ['a manifest must be a mapping with apiVersion and kind']);
  });

  it('a syntax error reports its line and the other documents still decode', () => {
    const { result, errors } = decode(yaml('apiVersion: v1', 'kind: Namespace', 'metadata: {name: a}', '---', 'apiVersion: v1', 'kind: Namespace', 'metadata: {name: [b}'));
    assert.equal(errors.length >= 1, true);
    assert.equal(errors[0].line, 7);
    assert.deepEqual(result.objects.map((s) => s.object.metadata.name), ['a']);
  });
});

describe('decodePaths / expandPaths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-decode-'));
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'b.yaml'), yaml('apiVersion: v1', 'kind: Namespace', 'metadata: {name: b}'));
  writeFileSync(join(dir, 'a.yml'), yaml('apiVersion: v1', 'kind: Namespace', 'metadata: {name: a}'));
  writeFileSync(join(dir, 'sub', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } }));
  writeFileSync(join(dir, 'sub', 'deeper', 'd.yaml'), yaml('apiVersion: v1', 'kind: Namespace', 'metadata: {name: d}'));
  writeFileSync(join(dir, 'sub', 'notes.txt'), 'not a manifest: [');

  it('directories recursively, *.yaml|*.yml|*.json only, in sorted order', () => {
    assert.deepEqual(expandPaths([dir]).map((p) => p.slice(dir.length + 1)), ['a.yml', 'b.yaml', 'sub/c.json', 'sub/deeper/d.yaml']);
    const { objects, warnings } = decodePaths([dir]);
    assert.deepEqual(objects.map((s) => s.object.metadata.name), ['a', 'b', 'c', 'd']);
    assert.deepEqual(warnings, []);
    assert.equal(objects[2].source.file, join(dir, 'sub', 'c.json'));
  });

  it('a file named explicitly is read whatever its extension', () => {
    writeFileSync(join(dir, 'manifest'), yaml('apiVersion: v1', 'kind: Namespace', 'metadata: {name: e}'));
    assert.deepEqual(decodePaths([join(dir, 'manifest')]).objects.map((s) => s.object.metadata.name), ['e']);
  });

  it('a missing path and syntax errors throw InvalidInputError with every error', () => {
    assert.throws(() => decodePaths([join(dir, 'nope.yaml')]), (e: unknown) => e instanceof InvalidInputError && e.errors[0].reason === 'no such file or directory');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, yaml('apiVersion: v1', 'kind: Namespace', 'metadata: {name: [x}', '---', 'a: b: c'));
    assert.throws(() => decodePaths([bad]), (e: unknown) => e instanceof InvalidInputError && e.errors.length >= 2 && e.errors.every((x) => x.file === bad));
  });
});
