#!/usr/bin/env node
/* global process */
// A cluster component inside a pod's network namespace (started by `podnet up` through nsenter):
//   pod-main.mjs dns --netns NS --source SNAPSHOT.json
//   pod-main.mjs ingress --netns NS --source SNAPSHOT.json --http 80[,8080] [--engine node|nginx] [--work-dir DIR]
// --netns is only for `ps`. Prints "ready" on stdout once serving; exits 0 on SIGTERM/SIGINT.
import { register } from 'tsx/esm/api';

register();
const { startDNSComponent, startIngressComponent } = await import('./components.ts');
const [role, ...argv] = process.argv.slice(2);
const opt = (flag) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const source = opt('--source');
if (!source || (role !== 'dns' && role !== 'ingress')) {
  process.stderr.write('usage: pod-main.mjs dns|ingress --netns NS --source FILE [--http PORTS] [--engine node|nginx] [--work-dir DIR]\n');
  process.exit(2);
}
const component = role === 'dns'
  ? await startDNSComponent(source)
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
