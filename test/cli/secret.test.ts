// `podnet get/describe secrets` against kubectl's printers (printSecret: NAME TYPE DATA AGE;
// describeSecret: Type, then `key:  N bytes`, values never shown) and the API server's handling of
// stringData (merged into data, never stored).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Sandbox } from './helpers.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('podnet get/describe secrets', () => {
  const box = new Sandbox();
  after(() => box.remove());

  const manifest = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata: {name: db, namespace: default}',
    'stringData: {password: s3cr3t-value}',
    `data: {username: ${b64('admin')}}`,
    '---',
    'apiVersion: v1',
    'kind: Secret',
    'metadata: {name: web-tls, namespace: default}',
    'type: kubernetes.io/tls',
    `data: {tls.crt: ${b64('CERT')}, tls.key: ${b64('KEY!!')}}`,
    '',
  ].join('\n');

  test('apply creates them; get prints NAME TYPE DATA AGE', () => {
    const r = box.run(['apply', '-f', box.file('s.yaml', manifest)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'secret/db created\nsecret/web-tls created\n');
    const get = box.run(['get', 'secrets']);
    assert.equal(get.code, 0, get.stderr);
    const lines = get.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    assert.deepEqual(lines.map((l) => l.slice(0, 3)), [
      ['NAME', 'TYPE', 'DATA'],
      ['db', 'Opaque', '2'],
      ['web-tls', 'kubernetes.io/tls', '2'],
    ]);
    assert.equal(lines[0][3], 'AGE');
  });

  test('stringData is merged into data and not stored', () => {
    const s = JSON.parse(box.run(['get', 'secret', 'db', '-o', 'json']).stdout);
    assert.deepEqual(s.data, { username: b64('admin'), password: b64('s3cr3t-value') });
    assert.equal(s.stringData, undefined);
    assert.equal(s.type, 'Opaque');
  });

  test('describe shows keys with byte counts, never values', () => {
    const r = box.run(['describe', 'secret', 'db']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /s3cr3t|admin/);
    assert.match(r.stdout, /^Name:\s+db$/m);
    assert.match(r.stdout, /\n\nType: {2}Opaque\n\nData\n====\npassword: {2}12 bytes\nusername: {2}5 bytes\n$/);
  });

  test('an invalid Secret is rejected with its field path, exit 2', () => {
    const bad = box.file('bad.yaml', ['apiVersion: v1', 'kind: Secret', 'metadata: {name: t}', 'type: kubernetes.io/tls', 'data: {tls.crt: QQ==}', ''].join('\n'));
    const r = box.run(['apply', '-f', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:5: Secret default\/t: data\["tls\.key"\]: Required value/);
  });

  // Upstream ValidateSecretUpdate / ValidateConfigMapUpdate: once `immutable: true` is stored, data
  // (and immutable itself) cannot change, and a Secret's type never can. The whole apply is refused.
  test('updates of an immutable Secret or ConfigMap, or of a Secret type, are refused and nothing is applied', () => {
    const objects = (value: string, type = 'Opaque'): string => box.file('imm.yaml', [
      'apiVersion: v1', 'kind: Secret', 'metadata: {name: frozen}', `type: ${type}`, 'immutable: true', `data: {k: ${b64(value)}}`, '---',
      'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: frozen}', 'immutable: true', `data: {k: ${value}}`, '---',
      'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: free}', `data: {k: ${value}}`, '',
    ].join('\n'));
    assert.equal(box.run(['apply', '-f', objects('one')]).code, 0);
    const changed = box.run(['apply', '-f', objects('two')]);
    assert.equal(changed.code, 2);
    assert.match(changed.stderr, /imm\.yaml:6: Secret default\/frozen: data: Forbidden: field is immutable when `immutable` is set/);
    assert.match(changed.stderr, /imm\.yaml:12: ConfigMap default\/frozen: data: Forbidden: field is immutable when `immutable` is set/);
    const retyped = box.run(['apply', '-f', objects('one', 'example.com/custom')]);
    assert.equal(retyped.code, 2);
    assert.match(retyped.stderr, /Secret default\/frozen: type: Invalid value: "example.com\/custom": field is immutable/);
    // Nothing of either refused apply landed, not even the mutable ConfigMap.
    assert.equal(JSON.parse(box.run(['get', 'configmap', 'free', '-o', 'json']).stdout).data.k, 'one');
    assert.equal(JSON.parse(box.run(['get', 'secret', 'frozen', '-o', 'json']).stdout).type, 'Opaque');
  });
});
