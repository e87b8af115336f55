// Secret: SetDefaults_Secret (type Opaque), the v1 conversion that merges stringData into data
// (pkg/apis/core/v1/conversion.go Convert_v1_Secret_To_core_Secret), ValidateSecret and
// ValidateSecretUpdate (pkg/apis/core/validation/validation.go), base64 as Go's encoding/json reads []byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBase64, decodeBase64Text, encodeUTF8Base64 } from '../../src/api/base64.ts';
import { defaultObject } from '../../src/api/defaults.ts';
import { resolveResource } from '../../src/api/kinds.ts';
import type { KObject } from '../../src/api/types.ts';
import { validateObjectUpdates } from '../../src/api/validate.ts';
import { brief, decode, validateText, yaml } from './validate-helpers.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('Secret kind', () => {
  it('is served as core/v1 secrets without a short name', () => {
    const info = resolveResource('secrets');
    assert.equal(info?.kind, 'Secret');
    assert.equal(info?.group, '');
    assert.deepEqual(info?.shortNames, []);
    assert.equal(resolveResource('secret')?.kind, 'Secret');
  });

  it('is decoded, not skipped', () => {
    const { result } = decode(yaml('apiVersion: v1', 'kind: Secret', 'metadata: {name: s}', 'data: {a: YQ==}'));
    assert.deepEqual(result.warnings, []);
    assert.equal(result.objects[0].object.kind, 'Secret');
  });
});

describe('SetDefaults_Secret and the stringData conversion', () => {
  const secret = (body: Record<string, unknown>): Record<string, unknown> =>
    defaultObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, ...body } as KObject) as Record<string, unknown>;

  it('type defaults to Opaque; a set type is kept', () => {
    assert.equal(secret({}).type, 'Opaque');
    assert.equal(secret({ type: '' }).type, 'Opaque');
    assert.equal(secret({ type: 'kubernetes.io/tls' }).type, 'kubernetes.io/tls');
  });

  it('stringData is merged into data as UTF-8 base64, wins over the same data key, and is not kept', () => {
    const s = secret({ data: { a: b64('old'), keep: b64('k') }, stringData: { a: 'new', u: 'grüße' } });
    assert.deepEqual(s.data, { a: b64('new'), keep: b64('k'), u: Buffer.from('grüße', 'utf8').toString('base64') });
    assert.equal('stringData' in s, false);
  });

  it('stringData alone creates data', () => {
    assert.deepEqual(secret({ stringData: { password: 's3cr3t' } }).data, { password: b64('s3cr3t') });
  });
});

describe('base64 as encoding/json decodes []byte (StdEncoding)', () => {
  const cases: [string, number | 'ok'][] = [
    ['YWJj', 'ok'],
    ['YQ==', 'ok'],
    ['YWI=', 'ok'],
    ['', 'ok'],
    ['YW\nJj', 'ok'], // CR/LF are ignored
    ['YQ', 0], // short final quantum: at its start
    ['YWJjZA', 4],
    ['YW!j', 2], // bad character: its own offset
    ['Y===', 1], // padding after one character
    ['YQ=a', 2], // `xx=` must be followed by `=`
    ['YQ==YQ==', 4], // data after padding
    ['not base64', 3],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${want === 'ok' ? 'decodes' : `illegal at byte ${want}`}`, () => {
      const r = decodeBase64(input);
      if (want === 'ok') {
        assert.equal(r.ok, true);
        if (r.ok) assert.deepEqual(Buffer.from(r.bytes), Buffer.from(input.replace(/\n/g, ''), 'base64'));
      } else assert.deepEqual(r, { ok: false, offset: want });
    });
  }

  it('encodes UTF-8 like Go and round-trips', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'grüße 🙂']) {
      assert.equal(encodeUTF8Base64(s), Buffer.from(s, 'utf8').toString('base64'));
      assert.equal(decodeBase64Text(encodeUTF8Base64(s)), s);
    }
  });
});

describe('ValidateSecret', () => {
  const doc = (...lines: string[]): string => yaml('apiVersion: v1', 'kind: Secret', 'metadata: {name: s}', ...lines);

  const cases: [string, string, string[]][] = [
    ['valid Opaque secret', doc('data: {a.b_c-D: YQ==}'), []],
    [
      'keys must be config keys (IsConfigMapKey)',
      doc('data:', '  "a/b": YQ==', '  "..x": YQ=='),
      [
        `5: data["a/b"]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
        `6: data["..x"]: Invalid value: "..x": must not start with '..'`,
      ],
    ],
    ['stringData keys are checked as data keys', doc('stringData: {"a b": x}'), [
      `1: data["a b"]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]],
    ['data values must be base64', doc('data: {a: "YQ"}'), ['4: data.a: illegal base64 data at input byte 0']],
    ['data values must be strings', doc('data: {a: 1}'), ['4: data.a: Invalid value: 1: expected string, got integer']],
    [
      'kubernetes.io/tls requires tls.crt and tls.key',
      doc('type: kubernetes.io/tls', 'data: {ca.crt: YQ==}'),
      ['5: data["tls.crt"]: Required value', '5: data["tls.key"]: Required value'],
    ],
    ['kubernetes.io/tls with both keys (empty values allowed)', doc('type: kubernetes.io/tls', 'data: {tls.crt: "", tls.key: ""}'), []],
    ['kubernetes.io/dockerconfigjson requires .dockerconfigjson', doc('type: kubernetes.io/dockerconfigjson', 'data: {}'), ['5: data[".dockerconfigjson"]: Required value']],
    [
      '.dockerconfigjson must be a JSON object',
      doc('type: kubernetes.io/dockerconfigjson', `data: {.dockerconfigjson: ${b64('[1]')}}`),
      ['5: data[".dockerconfigjson"]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ],
    ['valid .dockerconfigjson', doc('type: kubernetes.io/dockerconfigjson', `data: {.dockerconfigjson: ${b64('{"auths":{}}')}}`), []],
    ['kubernetes.io/dockercfg requires .dockercfg', doc('type: kubernetes.io/dockercfg'), ['1: data[".dockercfg"]: Required value']],
    ['kubernetes.io/basic-auth requires username or password', doc('type: kubernetes.io/basic-auth', 'data: {x: ""}'), ['5: data.username: Required value', '5: data.password: Required value']],
    ['kubernetes.io/basic-auth with only a password', doc('type: kubernetes.io/basic-auth', 'stringData: {password: p}'), []],
    ['kubernetes.io/ssh-auth requires a non-empty ssh-privatekey', doc('type: kubernetes.io/ssh-auth', 'data: {ssh-privatekey: ""}'), ['5: data["ssh-privatekey"]: Required value']],
    [
      'kubernetes.io/service-account-token requires the service-account.name annotation',
      doc('type: kubernetes.io/service-account-token'),
      ['3: metadata.annotations["kubernetes.io/service-account.name"]: Required value'],
    ],
    ['any other type is accepted', doc('type: example.com/custom'), []],
    ['unknown fields are rejected', doc('datas: {}'), ['4: datas: unknown field "datas"']],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => assert.deepEqual(brief(validateText(text)), want));
  }

  it('data may hold at most 1 MiB (decoded) in all', () => {
    const half = Buffer.alloc(512 * 1024, 1).toString('base64');
    assert.deepEqual(brief(validateText(doc(`data: {a: ${half}, b: ${half}}`))), []);
    assert.deepEqual(brief(validateText(doc(`data: {a: ${half}, b: ${half}, c: YQ==}`))), ['4: data: Too long: may not be more than 1048576 bytes']);
  });
});

describe('ValidateSecretUpdate / ValidateConfigMapUpdate', () => {
  const prepared = (text: string) => decode(text).result.objects.map((s) => ({ ...s, object: defaultObject({ ...s.object, metadata: { ...s.object.metadata, namespace: 'default' } }) }));
  const secret = (...lines: string[]) => prepared(yaml('apiVersion: v1', 'kind: Secret', 'metadata: {name: s}', ...lines));
  const updateErrors = (prev: KObject, ...lines: string[]) => brief(validateObjectUpdates(secret(...lines), () => prev));
  const stored = (...lines: string[]): KObject => secret(...lines)[0].object;

  it('type is immutable (an unset type is defaulted to Opaque first)', () => {
    assert.deepEqual(updateErrors(stored('type: Opaque'), 'type: kubernetes.io/basic-auth', 'data: {username: YQ==}'), ['4: type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
    assert.deepEqual(updateErrors(stored('type: Opaque'), 'data: {a: YQ==}'), []);
  });

  it('an immutable Secret rejects data changes and un-setting immutable', () => {
    const prev = stored('immutable: true', 'data: {a: YQ==}');
    assert.deepEqual(updateErrors(prev, 'immutable: true', 'data: {a: Yg==}'), ['5: data: Forbidden: field is immutable when `immutable` is set']);
    assert.deepEqual(updateErrors(prev, 'immutable: true', 'stringData: {a: b}'), ['1: data: Forbidden: field is immutable when `immutable` is set']);
    assert.deepEqual(updateErrors(prev, 'data: {a: YQ==}'), ['1: immutable: Forbidden: field is immutable when `immutable` is set']);
    // Same data, labels changed: allowed.
    assert.deepEqual(updateErrors(prev, 'immutable: true', 'stringData: {a: a}'), []);
  });

  it('a mutable Secret may change data and become immutable', () => {
    assert.deepEqual(updateErrors(stored('data: {a: YQ==}'), 'immutable: true', 'data: {a: Yg==}'), []);
  });

  it('an immutable ConfigMap rejects data and binaryData changes', () => {
    const cm = (...lines: string[]) => prepared(yaml('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', ...lines));
    const prev = cm('immutable: true', 'data: {a: x}')[0].object;
    assert.deepEqual(brief(validateObjectUpdates(cm('immutable: true', 'data: {a: y}', 'binaryData: {b: YQ==}'), () => prev)), [
      '5: data: Forbidden: field is immutable when `immutable` is set',
      '6: binaryData: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  it('a create (no stored object) has no update rules', () => {
    assert.deepEqual(brief(validateObjectUpdates(secret('type: kubernetes.io/tls'), () => undefined)), []);
  });
});
