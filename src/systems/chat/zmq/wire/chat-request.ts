import type { ChatRequest } from '../../domain/chat-rules.ts';

export const CLIENT_SERVICES = ['login', 'users', 'channel', 'channels', 'publish', 'message'] as const;
export type ClientService = (typeof CLIENT_SERVICES)[number];
export const WRITE_SERVICES: ReadonlySet<string> = new Set(['login', 'channel', 'publish', 'message']);

export function isClientService(service: string): service is ClientService {
  return (CLIENT_SERVICES as readonly string[]).includes(service);
}

/** The fields each write service needs, as the course defines them. */
const FIELDS: Record<string, string[]> = {
  login: ['user'],
  channel: ['channel'],
  publish: ['user', 'channel', 'message'],
  message: ['src', 'dst', 'message'],
};

/** A write request's fields, checked for presence and type; a string is the reason to send back. */
export function parseWriteRequest(service: string, data: Record<string, unknown>): ChatRequest | string {
  const fields = FIELDS[service];
  if (!fields) return `"${service}" is not a write service`;
  for (const field of fields) {
    const value = data[field];
    if (value === undefined) return `${service} needs data.${field}: send {service: "${service}", data: {${fields.join(', ')}, timestamp}}`;
    if (typeof value !== 'string') return `data.${field} must be a string, got ${value === null ? 'null' : typeof value}`;
  }
  switch (service) {
    case 'login':
      return { kind: 'login', user: data.user as string };
    case 'channel':
      return { kind: 'channel', channel: data.channel as string };
    case 'publish':
      return { kind: 'publish', user: data.user as string, channel: data.channel as string, message: data.message as string };
    default:
      return { kind: 'message', src: data.src as string, dst: data.dst as string, message: data.message as string };
  }
}

/** A client-chosen id makes a retried write apply once; without one the server makes one up. */
export const REQUEST_ID_MAX_LENGTH = 128;
export function requestId(data: Record<string, unknown>): string | undefined | Error {
  const id = data.id;
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > REQUEST_ID_MAX_LENGTH) {
    return new Error(`data.id must be a string of 1 to ${REQUEST_ID_MAX_LENGTH} characters, reused on retries`);
  }
  return id;
}
