export interface RankedServer {
  name: string;
  rank: number;
}

/** Bully: the servers an election must ask, those ranked above me; when none is, I win. */
export function higherRanked(me: RankedServer, servers: RankedServer[]): RankedServer[] {
  return servers.filter((s) => s.name !== me.name && s.rank > me.rank);
}
