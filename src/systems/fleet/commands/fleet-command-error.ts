/** A failure outside the command line (an engine down, a port taken): exit code 1, with what to do. */
export class FleetCommandError extends Error {}
