import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeXML, topologySVG } from '../../web/src/lib/svg-export.ts';

describe('topology SVG export', () => {
  const svg = topologySVG(
    [
      { x: 0, y: 0, w: 400, h: 300, label: 'node-1  172.18.0.2', kind: 'island' },
      { x: 0, y: 0, w: 190, h: 40, label: 'web-<1>\n10.244.0.2', kind: 'pod', stroke: '#c0392b' },
      { x: -300, y: 0, w: 180, h: 40, label: 'svc & co', kind: 'service' },
    ],
    [{ x1: -210, y1: 0, x2: -95, y2: 0, dashed: true }],
  );

  it('is a standalone SVG whose view box holds every box with a margin', () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="630" height="340" viewBox="-410.0 -170.0 630 340"/);
    assert.equal((svg.match(/<rect /g) ?? []).length, 4); // background + 3 boxes
    assert.match(svg, /stroke-dasharray/);
    assert.match(svg, /stroke="#c0392b"/);
  });

  it('escapes labels and splits them into lines', () => {
    assert.match(svg, />web-&lt;1&gt;<\/text><text [^>]*>10\.244\.0\.2</);
    assert.match(svg, />svc &amp; co</);
    assert.equal(escapeXML(`a"b'c`), 'a&quot;b&apos;c');
  });

  it('draws compound boxes under leaves (document order)', () => {
    assert.ok(svg.indexOf('class="island"') < svg.indexOf('class="pod"'));
    assert.ok(svg.indexOf('<line') < svg.indexOf('class="pod"'));
    assert.equal((svg.match(/<g /g) ?? []).length, (svg.match(/<\/g>/g) ?? []).length);
  });

  it('an empty graph is an empty picture', () => {
    assert.match(topologySVG([], []), /width="1" height="1"/);
  });
});
