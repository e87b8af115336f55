/**
 * A 1,000-pod cluster in Chromium: the matrix (1,000 × 1,000 per port, computed server-side) shows
 * quickly and scrolls without stutter; the topology is usable at once (preset layout) and the page
 * keeps painting while ELK lays it out in a worker. Bounds are generous (CI machines vary); the
 * measured numbers are printed as diagnostics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { decodeText, type DecodeResult } from '../../src/api/decode.ts';
import { defaultClusterConfig } from '../../src/cluster/config.ts';
import { Store } from '../../src/cluster/store.ts';
import { applyObjects } from '../../src/controllers/apply.ts';
import { ensureBundle, memorySource, startUIServer, type UIServer } from '../../src/server/ui-api/index.ts';
import { launchBrowser, screenshot, type Browser } from './browser.ts';

/** 10 namespaces × 10 Deployments × 10 replicas, a Service and an ingress policy per Deployment. */
function scaleCluster(): Store {
  const docs: unknown[] = [];
  for (let n = 0; n < 10; n++) {
    const ns = `ns-${n}`;
    docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (let d = 0; d < 10; d++) {
      const app = `app-${d}`;
      docs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns }, spec: { replicas: 10, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] } } } });
      docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } });
      docs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: app, namespace: ns }, spec: { podSelector: { matchLabels: { app } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: `app-${(d + 1) % 10}` } } }] }] } });
    }
  }
  const decoded: DecodeResult = { objects: [], warnings: [] };
  decodeText(docs.map((d) => stringify(d)).join('---\n'), 'scale.yaml', decoded, []);
  const store = new Store();
  applyObjects(store, decoded.objects, { ...defaultClusterConfig(), nodes: Array.from({ length: 10 }, (_, i) => `node-${i + 1}`) });
  return store;
}

describe('web UI with 1,000 pods', { timeout: 240_000 }, () => {
  let server: UIServer;
  let browser: Browser;

  before(async () => {
    await ensureBundle();
    const store = scaleCluster();
    const config = { ...defaultClusterConfig(), nodes: Array.from({ length: 10 }, (_, i) => `node-${i + 1}`) };
    server = await startUIServer({ source: memorySource(store, () => config), port: 0 });
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.close();
    }
  });

  it('matrix: first paint and scrolling', async (t) => {
    const page = browser.page;
    const started = Date.now();
    await page.goto(`${server.url}#/matrix`);
    await page.getByRole('grid').waitFor({ timeout: 60_000 });
    const shown = Date.now() - started;
    assert.match(await page.getByTestId('matrix-summary').innerText(), /of 1004004 pairs allowed/); // 1,002 pods incl. CoreDNS
    const frames = (await page.evaluate(`(async () => {
      const el = document.querySelector('.mbody');
      const times = [];
      let last = performance.now();
      for (let i = 0; i < 90; i++) {
        el.scrollTop += 96; el.scrollLeft += 48;
        await new Promise((r) => requestAnimationFrame(() => r()));
        const now = performance.now(); times.push(now - last); last = now;
      }
      times.sort((a, b) => a - b);
      return { median: times[45], p95: times[85] };
    })()`)) as { median: number; p95: number };
    t.diagnostic(`matrix shown in ${shown} ms; scroll frame median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms`);
    assert.ok(shown < 10_000, `matrix took ${shown} ms`);
    assert.ok(frames.median < 50, `median frame ${frames.median} ms`);
    // Keyboard still explains a far-away cell.
    await page.getByRole('grid').focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.getByTestId('flow-panel').getByText(/✓ allowed|✗ denied/).first().waitFor();
    await screenshot(page, 'scale-matrix');
  });

  it('topology: usable at once, painting while ELK works in its worker', async (t) => {
    const page = browser.page;
    const started = Date.now();
    await page.goto(`${server.url}#/topology`);
    await page.locator('[data-testid=pods] tbody tr').first().waitFor({ timeout: 60_000 });
    const table = Date.now() - started;
    // Longest gap between animation frames until ELK is done: the page must not freeze.
    const gap = (await page.evaluate(`(async () => {
      let worst = 0, last = performance.now();
      const end = performance.now() + 120000;
      while (document.querySelector('[data-testid=graph]')?.dataset.layout !== 'elk' && performance.now() < end) {
        await new Promise((r) => requestAnimationFrame(() => r()));
        const now = performance.now(); worst = Math.max(worst, now - last); last = now;
      }
      return { worst, done: document.querySelector('[data-testid=graph]')?.dataset.layout === 'elk' };
    })()`)) as { worst: number; done: boolean };
    const elk = Date.now() - started;
    t.diagnostic(`pods listed in ${table} ms; ELK done in ${elk} ms; longest frame gap ${gap.worst.toFixed(0)} ms`);
    assert.ok(gap.done, 'ELK finished');
    assert.ok(table < 10_000, `pods listed after ${table} ms`);
    assert.equal(await page.getAttribute('[data-testid=graph]', 'data-pods'), '1002');
    await screenshot(page, 'scale-topology');
    assert.deepEqual(browser.errors, []);
  });
});
