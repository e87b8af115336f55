/** `podnet reset`: forget the persisted cluster (the state directory's log and snapshot). */
import type { Command } from 'commander';
import { openStore, stateDir } from '../state.ts';

export function registerReset(program: Command): void {
  program
    .command('reset')
    .description('Delete the persisted cluster state ($PODNET_HOME, default ./.podnet)')
    .action(() => {
      openStore().reset();
      process.stdout.write(`cluster state in ${stateDir()} removed\n`);
    });
}
