/**
 * `podnet demo`: builds the bundled example cluster (examples/) in a throwaway state directory and
 * runs, as a newcomer would, the commands that show what Kubernetes made of the manifests.
 * Each step is a real podnet command line, printed before its output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples');

export interface DemoStep {
  /** What the step shows, in one line. */
  title: string;
  argv: string[];
}

/** The tour; later areas append their steps (policy reach, DNS, routes, traces). */
export const DEMO_STEPS: DemoStep[] = [
  { title: 'Apply the example app (three tiers, two namespaces, policies, a NodePort and an Ingress)', argv: ['apply', '-f', '@examples/shop', '--config', '@examples/cluster-config.yaml'] },
  { title: 'Every node got a pod CIDR (node IPAM) and an address on the underlay', argv: ['get', 'nodes', '-o', 'wide'] },
  { title: 'Pods got IPs from their node\'s CIDR (host-local IPAM): .1 is the gateway, pods start at .2', argv: ['get', 'pods', '-A', '-o', 'wide'] },
  { title: 'Services got virtual IPs from the service CIDR; kubernetes is the first, kube-dns the tenth', argv: ['get', 'svc', '-A'] },
  { title: 'EndpointSlices list the ready pods behind each Service (named targetPorts resolved per pod)', argv: ['get', 'endpointslices', '-n', 'shop'] },
  { title: 'The policies that lock the shop down', argv: ['get', 'netpol', '-A'] },
  { title: 'What the backend Service looks like in detail', argv: ['describe', 'svc', 'backend', '-n', 'shop'] },
  { title: 'Expectations as code: the checks CI runs', argv: ['verify', '--expect', '@examples/expectations.yaml'] },
  { title: 'Cluster DNS: the backend Service\'s name answers with its ClusterIP', argv: ['dig', 'backend.shop.svc.cluster.local'] },
  { title: 'A trace that succeeds: a frontend pod asks for "backend" (search walk), kube-proxy picks a backend pod, policies admit it', argv: ['trace', '--from', 'shop/deployment/frontend', '--to', 'backend'] },
  { title: 'A trace the default-deny policy blocks: frontend straight to the database; the failing hop says which rules would admit it', argv: ['trace', '--from', 'shop/deployment/frontend', '--to', 'database-0.database.data.svc.cluster.local', '--port', '5432', '--expect', 'denied'] },
  { title: 'Lint: misconfigurations worth fixing (none left in the example; try it on your own manifests with -f)', argv: ['lint', '--exit-zero'] },
];

export function registerDemo(program: Command, run: (argv: string[]) => Promise<number>): void {
  program
    .command('demo')
    .description('Build the bundled example cluster and walk through what Kubernetes networking made of it')
    .action(async () => {
      const previousHome = process.env.PODNET_HOME;
      const home = mkdtempSync(join(tmpdir(), 'podnet-demo-'));
      process.env.PODNET_HOME = home;
      let failed = 0;
      try {
        for (const step of DEMO_STEPS) {
          const argv = step.argv.map((a) => (a.startsWith('@examples/') ? join(EXAMPLES, a.slice('@examples/'.length)) : a));
          const shown = argv.map((a) => (a.startsWith(EXAMPLES) ? relative(process.cwd(), a) || '.' : a)).join(' ');
          process.stdout.write(`\n# ${step.title}\n$ podnet ${shown}\n`);
          process.exitCode = undefined;
          const code = await run(argv);
          if (code !== 0) {
            failed++;
            process.stdout.write(`(exit code ${code})\n`);
          }
        }
      } finally {
        rmSync(home, { recursive: true, force: true });
        if (previousHome === undefined) delete process.env.PODNET_HOME;
        else process.env.PODNET_HOME = previousHome;
      }
      process.exitCode = failed ? 1 : 0;
    });
}
