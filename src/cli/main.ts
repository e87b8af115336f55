/**
 * The `podnet` command. Each subcommand lives in commands/<name>.ts and registers itself; this file
 * only wires them and turns errors into exit codes (0 ok, 1 a check failed, 2 bad input or usage).
 */
import { Command, CommanderError } from 'commander';
import { InvalidInputError } from '../api/errors.ts';
import { FieldSelectorError } from '../api/field-selector.ts';
import { SelectorSyntaxError } from '../api/selector.ts';
import { CorruptStateError } from '../cluster/file-backend.ts';
import { COMMANDS } from './commands/index.ts';
import { UsageError } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('podnet')
    .description('The Kubernetes networking model, end to end: apply manifests, then ask what the network does.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program, (argv) => main(argv));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err, argv[0]);
  }
}

/** Commands that change the cluster say so when input errors stopped them. */
const WRITERS = new Set(['apply', 'delete']);

function reportError(err: unknown, command: string | undefined): number {
  if (err instanceof CommanderError) {
    // Help and version exit 0; commander already printed usage errors.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof InvalidInputError) {
    for (const e of err.message.split('\n')) process.stderr.write(`error: ${e}\n`);
    const n = err.errors.length;
    process.stderr.write(`${n} error${n === 1 ? '' : 's'}${command && WRITERS.has(command) ? '; nothing was applied' : ''}\n`);
    return 2;
  }
  if (err instanceof UsageError || err instanceof SelectorSyntaxError || err instanceof FieldSelectorError || err instanceof CorruptStateError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 2;
  }
  // The machine said no (port in use, permission, missing file): its message says it all. Anything
  // else is a podnet bug, and its stack is what a report needs.
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code ?? '')) {
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
