/** Every subcommand, in the order `podnet --help` lists them. */
import type { Command } from 'commander';
import { registerApply } from './apply.ts';

export const COMMANDS: readonly ((program: Command) => void)[] = [registerApply];
