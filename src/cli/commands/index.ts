/** Every subcommand, in the order `podnet --help` lists them. */
import type { Command } from 'commander';
import { registerApply } from './apply.ts';
import { registerDelete } from './delete.ts';
import { registerDescribe } from './describe.ts';
import { registerGet } from './get.ts';
import { registerReset } from './reset.ts';
import { registerVerify } from './verify.ts';

export const COMMANDS: readonly ((program: Command) => void)[] = [
  registerApply,
  registerGet,
  registerDescribe,
  registerDelete,
  registerReset,
  registerVerify,
];
