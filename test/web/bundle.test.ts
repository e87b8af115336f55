/**
 * The production bundle's budget (docs/ui.md): the page itself stays small; cytoscape, ELK and
 * CodeMirror are separate chunks loaded only by the views that need them. Built on demand when stale.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { bundleCurrent, DIST_DIR, ensureBundle } from '../../src/server/ui-api/index.ts';

const KB = 1024;
const gz = (file: string): number => gzipSync(readFileSync(join(DIST_DIR, file))).length;

describe('web bundle', { timeout: 120_000 }, () => {
  let html: string;
  let assets: string[];

  before(async () => {
    await ensureBundle();
    html = readFileSync(join(DIST_DIR, 'index.html'), 'utf8');
    assets = readdirSync(join(DIST_DIR, 'assets'));
  });

  it('is current after ensureBundle and uses relative URLs (mountable under any prefix)', () => {
    assert.equal(bundleCurrent(), true);
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) if (!m[1].startsWith('data:')) assert.match(m[1], /^\.\//, m[1]);
  });

  it('entry (what the first page load fetches) within 100 KB gzipped, with no graph, ELK or editor code', () => {
    const entry = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(entry.some((f) => f.endsWith('.js')), html);
    const total = entry.reduce((n, f) => n + gz(f), 0);
    assert.ok(total <= 100 * KB, `entry is ${(total / KB).toFixed(1)} KB gzipped`);
    const js = entry.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(DIST_DIR, f), 'utf8')).join('\n');
    for (const marker of ['elk.hierarchyHandling', 'cm-lintRange', 'textureOnViewport']) assert.ok(!js.includes(marker), `${marker} is in the entry chunk`);
  });

  it('lazy chunks within budget: cytoscape and CodeMirror 150 KB each, the ELK worker 500 KB (gzipped)', () => {
    const chunk = (prefix: string): string => {
      const f = assets.find((a) => a.startsWith(prefix));
      assert.ok(f, `${prefix}* in ${assets.join(', ')}`);
      return `assets/${f}`;
    };
    assert.ok(gz(chunk('cytoscape')) <= 150 * KB);
    assert.ok(gz(chunk('yaml-editor')) <= 150 * KB);
    assert.ok(gz(chunk('elk-worker')) <= 500 * KB);
  });
});
