import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineDiagnostics } from '../../web/src/lib/diagnostics.ts';

describe('editor diagnostics', () => {
  it('puts each error on its line (clamped to the document) with podnet apply\'s message', () => {
    const d = lineDiagnostics(
      [
        { line: 7, reason: 'r', message: 'editor.yaml:7: NetworkPolicy shop/x: spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive' },
        { line: 99, reason: 'r', message: 'past the end' },
        { reason: 'r', message: 'no line' },
      ],
      ['editor.yaml:3: skipping v1 Secret: podnet does not model this kind', 'no line here'],
      10,
    );
    assert.deepEqual(d.map((x) => [x.line, x.severity]), [[7, 'error'], [10, 'error'], [1, 'error'], [3, 'warning'], [1, 'warning']]);
    assert.match(d[0].message, /^editor\.yaml:7: NetworkPolicy shop\/x: spec\.ingress\[0\]/);
  });
});
