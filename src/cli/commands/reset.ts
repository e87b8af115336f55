/** `podnet reset`: forget the persisted cluster (the state directory's log and snapshot). */
import type { Command } from 'commander';
import { FileBackend } from '../../cluster/file-backend.ts';
import { stateDir } from '../state.ts';

export function registerReset(program: Command): void {
  program
    .command('reset')
    .description('Delete the persisted cluster state ($PODNET_HOME, default ./.podnet)')
    .action(() => {
      // Without loading: reset must work on a damaged state too.
      new FileBackend(stateDir()).reset();
      process.stdout.write(`cluster state in ${stateDir()} removed\n`);
    });
}
