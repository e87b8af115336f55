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
});
