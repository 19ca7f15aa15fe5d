import { UsageError } from '../../../../kit/cli/args.ts';

/** A ZeroMQ TCP endpoint as a user types it; `host:port` alone is taken as tcp://host:port. */
export function tcpEndpoint(flag: string, value: string, help: string): string {
  const endpoint = value.includes('://') ? value : `tcp://${value}`;
  const match = /^tcp:\/\/([^:/\s]+|\[[^\]]+\]):(\d{1,5})$/.exec(endpoint);
  if (!match || Number(match[2]) > 65_535) throw new UsageError(`${flag} takes a ZeroMQ endpoint such as tcp://127.0.0.1:5555, got "${value}"`, help);
  return endpoint;
}
