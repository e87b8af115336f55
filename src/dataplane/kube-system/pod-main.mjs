#!/usr/bin/env node
/* global process */
// A cluster component inside a pod's network namespace (started by `podnet up` through nsenter):
//   pod-main.mjs dns --netns NS --source SNAPSHOT.json
//   pod-main.mjs ingress --netns NS --source SNAPSHOT.json --http 80[,8080] [--https 443 --default-cert CRT --default-key KEY] [--engine node|nginx] [--work-dir DIR]
//   pod-main.mjs node-dns --netns NS --source SNAPSHOT.json --listen IP   (the nodes' resolver, in the underlay)
//   pod-main.mjs host-link --netns NS --source SNAPSHOT.json --dataplane-dir DIR   (fd 3: the host's network namespace)
// --netns is only for `ps`. Prints "ready" on stdout once serving; exits 0 on SIGTERM/SIGINT.
import { register } from 'tsx/esm/api';

register();
const { startDNSComponent, startIngressComponent, startNodeResolverComponent, startHostLinkComponent } = await import('./components.ts');
const [role, ...argv] = process.argv.slice(2);
const opt = (flag) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const source = opt('--source');
if (!source || !['dns', 'ingress', 'node-dns', 'host-link'].includes(role) || (role === 'node-dns' && !opt('--listen')) || (role === 'host-link' && !opt('--dataplane-dir'))) {
  process.stderr.write('usage: pod-main.mjs dns|ingress|node-dns|host-link --netns NS --source FILE [--http PORTS] [--https PORTS --default-cert F --default-key F] [--engine node|nginx] [--work-dir DIR] [--listen IP] [--dataplane-dir DIR]\n');
  process.exit(2);
}
const component = role === 'dns'
  ? await startDNSComponent(source)
  : role === 'node-dns'
    ? await startNodeResolverComponent(source, opt('--listen'))
    : role === 'host-link'
      ? startHostLinkComponent(source, opt('--dataplane-dir'))
      : await startIngressComponent({
        sourceFile: source,
        httpPorts: (opt('--http') ?? '80').split(',').map(Number),
        ...(opt('--https') ? { httpsPorts: opt('--https').split(',').map(Number), defaultCertificate: { cert: opt('--default-cert'), key: opt('--default-key') } } : {}),
        engine: opt('--engine') === 'nginx' ? 'nginx' : 'node',
        ...(opt('--work-dir') ? { workDir: opt('--work-dir') } : {}),
      });
process.stdout.write('ready\n');
const stop = () => {
  void component.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
