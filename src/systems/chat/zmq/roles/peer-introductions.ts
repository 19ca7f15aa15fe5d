import type { PeerDirectory, ServerEntry } from './peer-directory.ts';
import type { ServerContext } from './server-context.ts';

/**
 * A starting server tells every peer the reference lists that it is here (`join {user, address, rank}`) and waits
 * for their answers before it catches up and serves. A peer answers once it pushes its writes to the newcomer, so
 * every write a peer acknowledges from then on is on the newcomer too, and every write it made before is in its
 * log for the newcomer's catch-up to read. Without this a peer learnt of a new server only at its next heartbeat:
 * for up to a second it acknowledged writes that the newcomer, already serving, did not hold.
 *
 * Resolves with the peers that did not answer in time (they learn at their next heartbeat; anti-entropy brings
 * the newcomer what they acknowledge meanwhile).
 */
export async function introduceSelf(ctx: ServerContext, directory: PeerDirectory, address: string, timeoutMs: number): Promise<string[]> {
  const silent: string[] = [];
  await Promise.all(
    directory.peers().map(async ({ name }) => {
      try {
        const reply = await directory.client(name)?.request(ctx.stamp('join', { user: ctx.name, address, rank: ctx.rank }), timeoutMs);
        if (reply) ctx.observe(reply);
      } catch {
        silent.push(name);
      }
    }),
  );
  return silent;
}

/**
 * A peer's side of `join`: the reference's list is read again (after any list already asked for, so no older
 * list overwrites it). The newcomer's own word is taken only when that list lacks it (the reference does not
 * answer): one that lists it at another address knows better than a stale or stray `join`.
 */
export async function admitJoiner(directory: PeerDirectory, refresh: () => Promise<void>, joiner: Required<ServerEntry>): Promise<void> {
  await refresh();
  if (directory.servers().some((server) => server.name === joiner.name)) return;
  directory.update([...directory.servers(), joiner].sort((a, b) => a.rank - b.rank));
}
