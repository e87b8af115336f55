/** Errors of the dataplane as a whole (a module of its own so every dataplane module may throw them). */

/** `up` refused: bad cluster for a kernel topology, missing tools, or already up. */
export class DataplaneError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'DataplaneError';
  }
}
