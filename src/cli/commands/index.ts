/** Every subcommand, in the order `podnet --help` lists them. */
import type { Command } from 'commander';
import { registerApply } from './apply.ts';
import { registerCapture } from './capture.ts';
import { registerDelete } from './delete.ts';
import { registerDemo } from './demo.ts';
import { registerDescribe } from './describe.ts';
import { registerDiff } from './diff.ts';
import { registerDig } from './dig.ts';
import { registerDnsServe } from './dns-serve.ts';
import { registerDown } from './down.ts';
import { registerExec } from './exec.ts';
import { registerExplain } from './explain.ts';
import { registerGet } from './get.ts';
import { registerIngress } from './ingress.ts';
import { registerLint } from './lint.ts';
import { registerMatrix } from './matrix.ts';
import { registerProbe } from './probe.ts';
import { registerProxyDecide } from './proxy-decide.ts';
import { registerProxyRules } from './proxy-rules.ts';
import { registerReach } from './reach.ts';
import { registerReset } from './reset.ts';
import { registerResolvconf } from './resolvconf.ts';
import { registerRoute } from './route.ts';
import { registerServe } from './serve.ts';
import { registerStatus } from './status.ts';
import { registerTrace } from './trace.ts';
import { registerUI } from './ui.ts';
import { registerUp } from './up.ts';
import { registerVerify } from './verify.ts';

/** A command gets the program and a way to run other podnet command lines in-process (the demo uses it). */
export type RegisterCommand = (program: Command, run: (argv: string[]) => Promise<number>) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerDemo,
  // The cluster: manifests in, objects out.
  registerApply,
  registerGet,
  registerDescribe,
  registerDelete,
  registerReset,
  // Questions the model answers.
  registerTrace,
  registerReach,
  registerMatrix,
  registerExplain,
  registerDiff,
  registerLint,
  registerVerify,
  registerDig,
  registerResolvconf,
  registerRoute,
  registerProxyDecide,
  registerProxyRules,
  // Real components: the dataplane, the DNS server, the L7 proxy, the API server and the UI.
  registerUp,
  registerDown,
  registerStatus,
  registerExec,
  registerProbe,
  registerCapture,
  registerDnsServe,
  registerIngress,
  registerServe,
  registerUI,
];
