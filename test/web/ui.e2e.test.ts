/**
 * The web UI end to end, in headless Chromium over the example cluster (examples/shop with
 * examples/cluster-config.yaml), served by the real UI server on an ephemeral loopback port:
 * see the pods, explain a denied matrix cell, edit a policy and read the diff, apply it and see the
 * matrix change (and the persisted state change), keyboard navigation of the matrix.
 *
 * Expected verdicts follow from the NetworkPolicy spec applied to the example manifests: default-deny
 * in shop and data; frontend egress only to backend:8080 (and DNS); database ingress only from backend.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodePaths } from '../../src/api/decode.ts';
import { loadClusterConfig } from '../../src/cluster/config.ts';
import { FileBackend } from '../../src/cluster/file-backend.ts';
import { Store } from '../../src/cluster/store.ts';
import { applyObjects } from '../../src/controllers/apply.ts';
import { ensureBundle, persistedSource, REPO_ROOT, startUIServer, type UIServer } from '../../src/server/ui-api/index.ts';
import { launchBrowser, screenshot, type Browser } from './browser.ts';

const EXAMPLES = join(REPO_ROOT, 'examples');

describe('web UI in Chromium', { timeout: 180_000 }, () => {
  let home: string;
  let server: UIServer;
  let browser: Browser;

  before(async () => {
    await ensureBundle();
    home = mkdtempSync(join(tmpdir(), 'podnet-ui-e2e-'));
    const config = loadClusterConfig(join(EXAMPLES, 'cluster-config.yaml'));
    applyObjects(new Store({ backend: new FileBackend(home) }), decodePaths([join(EXAMPLES, 'shop')]).objects, config);
    server = await startUIServer({ source: persistedSource(home, config), host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.close();
      if (home) rmSync(home, { recursive: true, force: true });
    }
  });

  const podRefs = async (): Promise<string[]> => browser.page.locator('[data-testid=pods] tbody tr td:first-child').allInnerTexts();

  it('Topology: shows every pod of the example, on its node, laid out by ELK', async (t) => {
    const page = browser.page;
    const started = Date.now();
    await page.goto(server.url);
    await page.locator('[data-testid=pods] tbody tr').first().waitFor();
    const firstRender = Date.now() - started;
    const pods = await podRefs();
    // Deployment replicas → pods named <deployment>-<hash>-<suffix>; StatefulSet ordinal names.
    assert.equal(pods.filter((p) => /^shop\/frontend-[a-z0-9]+-[a-z0-9]{5}$/.test(p)).length, 2, pods.join(' '));
    assert.equal(pods.filter((p) => /^shop\/backend-[a-z0-9]+-[a-z0-9]{5}$/.test(p)).length, 3, pods.join(' '));
    assert.ok(pods.includes('data/database-0'), pods.join(' '));
    await page.locator('[data-testid=graph][data-layout=elk]').waitFor({ timeout: 30_000 });
    assert.equal(await page.getAttribute('[data-testid=graph]', 'data-pods'), String(pods.length));
    assert.match(await page.locator('.summary').innerText(), /calico \(BGP, no encapsulation\)/);
    // Again with a warm browser (the first navigation also starts the renderer process).
    const again = Date.now();
    await page.reload();
    await page.locator('[data-testid=pods] tbody tr').first().waitFor();
    const warm = Date.now() - again;
    t.diagnostic(`first render (navigation to pods listed): cold ${firstRender} ms, warm ${warm} ms`);
    assert.ok(firstRender < 5_000, `first render took ${firstRender} ms`);
    assert.ok(warm < 2_000, `render took ${warm} ms`);
    await screenshot(page, '1-topology');

    // Exports: the canvas as PNG, the laid-out graph as SVG (every pod's name in it).
    for (const [button, check] of [
      ['Export PNG', (b: Buffer) => assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
      ['Export SVG', (b: Buffer) => {
        const svg = b.toString('utf8');
        assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        for (const p of pods) assert.ok(svg.includes(`>${p.split('/')[1]}<`), `${p} in the SVG`);
      }],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
      check(readFileSync((await download.path())!));
    }

    // Namespace filter narrows the view (and lives in the URL).
    await page.locator('.nsfilter summary').click();
    await page.getByRole('checkbox', { name: 'data' }).check();
    await page.waitForFunction("document.querySelectorAll('[data-testid=pods] tbody tr').length === 1");
    assert.deepEqual(await podRefs(), ['data/database-0']);
    assert.match(page.url(), /ns=data/);
    await page.getByRole('checkbox', { name: 'data' }).uncheck();
    await page.locator('.nsfilter summary').click();

    // A label selector (matched server-side) and a policy's selection.
    await page.getByLabel('Label selector').fill('app=backend');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction("document.querySelectorAll('[data-testid=pods] tbody tr').length === 3");
    await page.getByRole('button', { name: 'shop/backend-from-frontend' }).click();
    const details = page.locator('[data-testid=details]');
    await details.getByText('pods selected now').waitFor();
    assert.match(await details.innerText(), /pods matching .*app.*backend/);
    await screenshot(page, '2-topology-policy');
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  it('Policy matrix: a denied cell explains which policies decided', async () => {
    const page = browser.page;
    await page.goto(`${server.url}#/matrix?port=5432/TCP`);
    await page.getByRole('grid').waitFor();
    const titles = await rowTitles(page);
    assert.ok(titles.length >= 6, titles.join(' '));
    const from = titles.find((t) => t.startsWith('shop/frontend-'))!;
    const backend = titles.find((t) => t.startsWith('shop/backend-'))!;
    // The backend is the one tier the database admits.
    assert.equal(await clickCell(page, backend, 'data/database-0'), `${backend} → data/database-0 5432/TCP: allowed`);
    assert.equal(await page.locator('#matrix-active').innerText(), '✓');
    assert.equal(await clickCell(page, from, 'data/database-0'), `${from} → data/database-0 5432/TCP: denied`);
    assert.equal(await page.locator('#matrix-active').innerText(), '✗');
    const panel = page.locator('[data-testid=flow-panel]');
    await panel.getByText('✗ denied').first().waitFor();
    const deciding = await panel.locator('[data-testid=deciding-policy]').allInnerTexts();
    for (const p of ['shop/default-deny', 'shop/frontend-to-backend', 'data/default-deny', 'data/database-from-backend']) assert.ok(deciding.includes(p), `${p} in ${deciding.join(', ')}`);
    assert.match(await panel.innerText(), /isolated by (data\/database-from-backend, data\/default-deny|data\/default-deny, data\/database-from-backend); no ingress rule admits shop\/frontend-/);
    assert.match(page.url(), /from=shop\/frontend-.*to=data\/database-0/);
    await screenshot(page, '3-matrix-denied-cell');
  });

  it('Trace from the matrix cell: the path stops at the failing hop, with the fix', async () => {
    const page = browser.page;
    await page.getByRole('button', { name: 'Trace this flow →' }).click();
    await page.getByTestId('trace-result').waitFor();
    assert.match(page.url(), /#\/trace\?.*from=shop\/frontend-/);
    // The frontend's own egress policies admit only the backend (and DNS): the first failing hop is its egress.
    const failing = page.getByTestId('failing-hop');
    assert.match(await failing.innerText(), /egress-policy/);
    assert.match(await failing.innerText(), /fix: /);
    assert.equal(await page.getByTestId('trace-verdict').innerText(), '✗ denied by NetworkPolicy');
    const marks = await page.locator('ol.hops li .hop-step').allInnerTexts();
    const failedAt = marks.findIndex((m) => m.includes('✗'));
    assert.ok(failedAt > 0 && marks.slice(0, failedAt).every((m) => !m.includes('✗')), marks.join(' | '));
    assert.equal(failedAt, marks.length - 1, 'the trace stops at the failing hop');
  });

  it('Trace form: a Service DNS name from a Deployment, through DNS and kube-proxy, delivered', async () => {
    const page = browser.page;
    await page.goto(`${server.url}#/trace`);
    await page.getByLabel('From', { exact: true }).fill('shop/deployment/frontend');
    await page.getByLabel('To', { exact: true }).fill('backend');
    await page.getByRole('button', { name: 'Trace', exact: true }).click();
    await page.getByTestId('trace-result').waitFor();
    assert.equal(await page.getByTestId('trace-verdict').innerText(), '✓ delivered');
    const steps = (await page.locator('ol.hops li .hop-step').allInnerTexts()).map((x) => x.split(' ').pop());
    for (const s of ['source', 'resolv.conf', 'dns', 'service', 'kube-proxy', 'egress-policy', 'route', 'ingress-policy', 'port']) assert.ok(steps.includes(s), `${s} in ${steps.join(',')}`);
    assert.equal(await page.getByTestId('failing-hop').count(), 0);
    // frontend → backend Service: the only Service port (80) is picked, as the trace model documents.
    assert.match(await page.getByTestId('trace-result').innerText(), /→ backend 80\/TCP/);
    await page.getByLabel('To', { exact: true }).fill('database.data');
    await page.getByLabel('Port', { exact: true }).fill('5432');
    await page.getByRole('button', { name: 'Trace', exact: true }).click();
    await page.getByTestId('failing-hop').waitFor();
    await page.waitForTimeout(300);
    await screenshot(page, '4-trace-failing-hop');
  });

  it('Lint: findings follow the cluster live and link to the objects involved', async () => {
    const page = browser.page;
    await page.goto(`${server.url}#/lint`);
    await page.getByTestId('lint-counts').waitFor();
    // Another client adds a Service whose selector matches no pod: it can have no endpoints.
    const orphan = 'apiVersion: v1\nkind: Service\nmetadata: {name: orphan, namespace: shop}\nspec:\n  selector: {app: nothing}\n  ports: [{port: 80}]\n';
    const res = await fetch(`${server.url}api/apply`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ yaml: orphan }) });
    assert.equal(res.status, 200);
    const finding = page.getByTestId('finding').filter({ hasText: 'service-selector-no-pods' });
    await finding.waitFor();
    assert.match(await finding.innerText(), /Service shop\/orphan/);
    assert.match(await finding.innerText(), /fix: /);
    await screenshot(page, '5-lint');
    await finding.getByRole('button', { name: 'Service shop/orphan' }).click();
    await page.getByTestId('details').waitFor();
    assert.match(await page.getByTestId('details').innerText(), /Service shop\/orphan[\s\S]*endpoints: none/);
    assert.match(page.url(), /#\/topology\?focus=service:shop\/orphan/);
  });

  it('Policy matrix: keyboard moves the focus and Enter explains the focused cell', async () => {
    const page = browser.page;
    await page.goto(`${server.url}#/matrix?port=8080/TCP`);
    const grid = page.getByRole('grid');
    await grid.waitFor();
    await grid.focus();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    // Ctrl+Home → (0,0), Down → (1,0), Right → (1,1): the pod of row 1 to itself.
    const titles = await rowTitles(page);
    await page.locator('[data-testid=flow-panel]').waitFor();
    assert.equal(await page.locator('[data-testid=flow-panel] h3').innerText(), `${titles[1]} → ${titles[1]} 8080/TCP`);
    assert.ok(decodeURIComponent(page.url()).includes(`from=${titles[1]}&to=${titles[1]}`), page.url());
    assert.equal(await page.locator('#matrix-active').getAttribute('data-row'), '1');
    assert.equal(await page.locator('#matrix-active').getAttribute('data-col'), '1');
    assert.match(String(await page.locator('#matrix-active').getAttribute('aria-label')), new RegExp(`^${titles[1]} → ${titles[1]} 8080/TCP: (allowed|denied)$`));
  });

  it('What-if editor: the errors podnet apply gives, then the diff of a policy change', async () => {
    const page = browser.page;
    await page.goto(`${server.url}#/editor`);
    await page.locator('.cm-content').waitFor();
    await page.getByRole('button', { name: 'shop/frontend-to-backend' }).click();
    await page.waitForFunction("document.querySelector('.cm-content')?.textContent?.includes('frontend-to-backend')");
    const status = page.locator('[data-testid=validation]');
    await status.getByText('✓ valid').waitFor();
    await page.locator('[data-testid=no-change]').waitFor();

    // An out-of-range port: the API server's validation message, with the field path.
    await replaceInEditor(page, 'port: 8080', 'port: 70000');
    await status.getByText('✗ 1 error').waitFor();
    const errors = await page.getByRole('list', { name: 'Errors' }).innerText();
    assert.match(errors, /editor\.yaml:\d+: NetworkPolicy shop\/frontend-to-backend: spec\.egress\[0\]\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive/);
    await page.locator('.cm-lint-marker-error').first().waitFor();
    await screenshot(page, '6-editor-error');

    // Moving the allowed port closes frontend → backend on 8080: 2 frontends × 3 backends.
    await replaceInEditor(page, 'port: 70000', 'port: 9090');
    await status.getByText('✓ valid').waitFor();
    const closed = page.locator('[data-testid=closed] li');
    await closed.first().waitFor();
    const lines = await closed.allInnerTexts();
    assert.equal(lines.length, 6, lines.join('\n'));
    for (const l of lines) assert.match(l, /^✗ − shop\/frontend-\S+ → shop\/backend-\S+ 8080\/TCP$/);
    assert.equal(await page.locator('[data-testid=opened]').count(), 0);
    await screenshot(page, '7-editor-diff');
  });

  it('Apply: the change is persisted and the matrix follows it', async () => {
    const page = browser.page;
    const before = Number(await page.getByTestId('revision').innerText());
    await page.getByTestId('apply').click();
    await page.getByTestId('applied').getByText('✓ applied').waitFor();
    assert.match(await page.getByTestId('applied').innerText(), /networkpolicy\/frontend-to-backend configured/);
    await page.waitForFunction(`Number(document.querySelector('[data-testid=revision]')?.textContent) > ${before}`);

    const stored = new Store({ backend: new FileBackend(home) }).list().find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'frontend-to-backend');
    assert.deepEqual((stored as unknown as { spec: { egress: { ports: unknown[] }[] } }).spec.egress[0].ports, [{ port: 9090, protocol: 'TCP' }]);

    await page.goto(`${server.url}#/matrix?port=8080/TCP`);
    await page.getByRole('grid').waitFor();
    const titles = await rowTitles(page);
    const from = titles.find((t) => t.startsWith('shop/frontend-'))!;
    const to = titles.find((t) => t.startsWith('shop/backend-'))!;
    assert.equal(await clickCell(page, from, to), `${from} → ${to} 8080/TCP: denied`);
    await page.locator('[data-testid=flow-panel]').getByText('✗ denied').first().waitFor();
    await screenshot(page, '8-matrix-after-apply');
    assert.deepEqual(browser.errors, []);
  });
});

/** Replaces text in the CodeMirror document as a user would: select it with the search panel-free API, type over. */
async function replaceInEditor(page: Browser['page'], from: string, to: string): Promise<void> {
  const content = page.locator('.cm-content');
  const text = await content.innerText();
  const lines = text.split('\n');
  const lineIndex = lines.findIndex((l) => l.includes(from));
  assert.ok(lineIndex >= 0, `${from} not in the editor`);
  const line = page.locator('.cm-line').nth(lineIndex);
  await line.click();
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  const indent = lines[lineIndex].match(/^\s*/)![0];
  await page.keyboard.type(lines[lineIndex].replace(from, to).slice(indent.length));
}

/** Pod refs of the matrix rows, in order. */
async function rowTitles(page: Browser['page']): Promise<string[]> {
  return page.locator('.rowname').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
}

/** Clicks the matrix cell from → to (painted on a canvas) and returns the focused cell's label. */
async function clickCell(page: Browser['page'], from: string, to: string): Promise<string> {
  const titles = await rowTitles(page);
  const r = titles.indexOf(from);
  const c = titles.indexOf(to);
  assert.ok(r >= 0 && c >= 0, `${from} and ${to} are rows`);
  const body = page.locator('.mbody');
  const box = (await body.boundingBox())!;
  const scroll = await body.evaluate((el) => ({ top: el.scrollTop, left: el.scrollLeft }));
  await page.mouse.click(box.x + c * 24 - scroll.left + 12, box.y + r * 24 - scroll.top + 12);
  await page.waitForFunction(`document.querySelector('#matrix-active')?.dataset.row === '${r}' && document.querySelector('#matrix-active')?.dataset.col === '${c}'`);
  return String(await page.locator('#matrix-active').getAttribute('aria-label'));
}
