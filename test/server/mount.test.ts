/** A handler mounted beside the API (the web UI under /ui/) answers its paths; everything else is the API. */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { defaultClusterConfig } from '../../src/cluster/config.ts';
import { Store } from '../../src/cluster/store.ts';
import { reconcileStore } from '../../src/controllers/apply.ts';
import { ApiServer } from '../../src/server/index.ts';

test('mounted handler first, then API routing (with its authentication)', async () => {
  const store = new Store();
  const config = defaultClusterConfig();
  reconcileStore(store, config);
  const mount = {
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      if (!req.url?.startsWith('/ui/')) return false;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ui');
      return true;
    },
  };
  const server = new ApiServer({ store, config: () => config, token: 'secret', mount });
  const { port } = await server.listen(0, '127.0.0.1');
  try {
    const ui = await fetch(`http://127.0.0.1:${port}/ui/`);
    assert.equal(await ui.text(), 'ui');
    const anonymous = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces`);
    assert.equal(anonymous.status, 401);
    const authed = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces`, { headers: { authorization: 'Bearer secret' } });
    assert.equal(authed.status, 200);
    const list = (await authed.json()) as { items: { metadata: { name: string } }[] };
    assert.ok(list.items.some((n) => n.metadata.name === 'kube-system'));
  } finally {
    await server.close();
  }
});
