import { type LoadResult, runClosed } from '../../../../kit/loadgen/index.ts';
import type { ChatSession } from '../roles/chat-session.ts';

export interface RequestScenarioOptions {
  /** One virtual user per session, each waiting for its reply before the next request. */
  sessions: ChatSession[];
  /** Where writes publish. */
  channel: string;
  durationMs: number;
  timeoutMs: number;
  progress?: boolean;
}

/** A closed model of `users` and `channels` requests, in turn, from every client at once. */
export function runReads(options: RequestScenarioOptions): Promise<LoadResult> {
  const { sessions } = options;
  return runClosed({
    name: `reads · ${sessions.length} clients`,
    vus: sessions.length,
    durationMs: options.durationMs,
    gracefulStopMs: options.timeoutMs + 1_000,
    progress: options.progress,
    task: ({ vu, iteration }) => (iteration % 2 === 0 ? sessions[vu]!.users() : sessions[vu]!.channels()),
  });
}

/** A closed model of `publish` requests; each reply comes once the op is on every server. */
export function runWrites(options: RequestScenarioOptions): Promise<LoadResult> {
  const { sessions, channel } = options;
  return runClosed({
    name: `writes · ${sessions.length} clients`,
    vus: sessions.length,
    durationMs: options.durationMs,
    gracefulStopMs: options.timeoutMs + 1_000,
    progress: options.progress,
    task: ({ vu, iteration }) => sessions[vu]!.publish(channel, `write ${vu} ${iteration}`),
  });
}
