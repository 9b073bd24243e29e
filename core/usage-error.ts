// A mistake in what the user typed (an option, a path to write to): the CLI prints the message and exits 2, the
// same as for a bad config, before anything is started or written.
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
