/** A failure outside the command line (a port taken, Redis unreachable, a store not available): exit code 1. */
export class ChatWsCommandError extends Error {}
