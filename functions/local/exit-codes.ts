/**
 * The exit codes of every command, so a script can tell a typo from a failure from a pause
 * (docs/cli.md#exit-codes lists them for people).
 */
export const EXIT_CODES = {
  ok: 0,
  /** Something went wrong while running: a stand-in, a port in use, a failed run, a bug. */
  failure: 1,
  /** The command was given something it cannot use: an unknown option, a bad value or setting, a file it cannot read, a line that is not JSON. */
  badInput: 2,
  /** Stopped with work left queued (the SES daily quota, a send or hand-over that stopped progressing): run it again to go on. */
  stoppedEarly: 3,
} as const;
