/** A failure outside the command line (a port taken, a server unreachable): shown as is, exit code 1. */
export class ChatZmqCommandError extends Error {}
