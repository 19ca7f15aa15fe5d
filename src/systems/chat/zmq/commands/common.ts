/** A failure outside the command line (a port taken, a server unreachable): shown as is, exit code 1. */
export class ChatZmqCommandError extends Error {}

/**
 * Node flags for every role process the cluster, the bench and the image start. The roles share the machine's
 * cores, so V8's parallel scavenger hurts them: its helper threads wait for a core other processes hold, and take
 * it from the process on the message's path. In a delivery run at 1,000/s the servers had 104 young-generation
 * pauses over 1 ms with a 32 MB semi-space and parallel scavenges, 19 – 38 with 2 MB and one GC thread; the
 * broker's and the proxy's longest 3 – 17 ms against 0.9 – 4 (docs/benchmarks.md). A small young generation
 * collects more often, each time copying less.
 */
export const ROLE_NODE_FLAGS = ['--max-semi-space-size=2', '--single-threaded-gc'];
