#!/usr/bin/env node
/* global process */
// A cluster component inside a pod's network namespace (started by `podnet up` through nsenter):
//   pod-main.mjs dns --netns NS --source SNAPSHOT.json
//   pod-main.mjs ingress --netns NS --source SNAPSHOT.json --http 80[,8080] [--engine node|nginx] [--work-dir DIR]
//   pod-main.mjs node-dns --netns NS --source SNAPSHOT.json --listen IP   (the nodes' resolver, in the underlay)
// --netns is only for `ps`. Prints "ready" on stdout once serving; exits 0 on SIGTERM/SIGINT.
import { register } from 'tsx/esm/api';

register();
const { startDNSComponent, startIngressComponent, startNodeResolverComponent } = await import('./components.ts');
const [role, ...argv] = process.argv.slice(2);
const opt = (flag) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const source = opt('--source');
if (!source || (role !== 'dns' && role !== 'ingress' && role !== 'node-dns') || (role === 'node-dns' && !opt('--listen'))) {
  process.stderr.write('usage: pod-main.mjs dns|ingress|node-dns --netns NS --source FILE [--http PORTS] [--engine node|nginx] [--work-dir DIR] [--listen IP]\n');
  process.exit(2);
}
const component = role === 'dns'
  ? await startDNSComponent(source)
  : role === 'node-dns'
    ? await startNodeResolverComponent(source, opt('--listen'))
    : await startIngressComponent({
        sourceFile: source,
        httpPorts: (opt('--http') ?? '80').split(',').map(Number),
        engine: opt('--engine') === 'nginx' ? 'nginx' : 'node',
        ...(opt('--work-dir') ? { workDir: opt('--work-dir') } : {}),
      });
process.stdout.write('ready\n');
const stop = () => {
  void component.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
