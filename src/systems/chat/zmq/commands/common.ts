/** A failure outside the command line (a port taken, a server unreachable): shown as is, exit code 1. */
export class ChatZmqCommandError extends Error {}

/**
 * Node flags for every role process the cluster, the bench and the image start. A young generation of up to
 * 32 MB per semi-space (V8 stops at 16 by default) scavenges half as often: delivery p99 at 1,000/s 2.8 – 4.0
 * against 4.1 – 6.3 ms in six alternating runs, writes ~8 % higher, ~90 MB more RSS across the topology.
 */
export const ROLE_NODE_FLAGS = ['--max-semi-space-size=32'];
