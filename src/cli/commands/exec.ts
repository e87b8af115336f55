/** `podnet exec ns/pod -- CMD…` / `podnet exec node/NAME -- CMD…`: run a host tool in a pod's or node's namespace; its exit code is ours. */
import type { Command } from 'commander';
import { execInNetns, execTargetNetns, ExecTargetError } from '../../dataplane/index.ts';
import { UsageError } from '../output.ts';
import { dataplaneLayout, dataplaneNames, reportDataplaneError } from './up.ts';

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description('Run a command inside a pod\'s (ns/pod) or node\'s (node/NAME) network namespace of the running dataplane')
    .argument('<target>', 'ns/pod, pod (namespace default) or node/NAME')
    .argument('<command...>', 'the command and its arguments (after --)')
    .action(async (target: string, command: string[]) => {
      let netns: string;
      try {
        netns = execTargetNetns(target, dataplaneNames(), dataplaneLayout().read());
      } catch (err) {
        if (err instanceof ExecTargetError) throw new UsageError(err.message);
        process.exitCode = reportDataplaneError(err);
        return;
      }
      process.exitCode = await execInNetns(netns, command);
    });
}
