import type { IncomingMessage } from 'node:http';
import { SignJWT, errors, jwtVerify } from 'jose';
import type { ChatUser } from '../domain/client-frames.ts';
import { NAME_MAX_LENGTH } from '../domain/limits.ts';

/** Where the secret comes from; it is never written in code or in a file of the repository. */
export const JWT_SECRET_ENV = 'MENSAGEIRO_CHAT_JWT_SECRET';
/** The subprotocol a browser offers beside `bearer.<token>`; the server picks it. */
export const CHAT_PROTOCOL = 'chat';
const BEARER_PROTOCOL = 'bearer.';
/** HS256 wants a key as long as its hash. */
const MIN_SECRET_LENGTH = 32;

/** Why a token was refused, in words short enough for a close frame's reason (123 bytes). */
export class TokenRefusedError extends Error {}

/** The secret from the environment, or why it cannot be used. */
export function secretFromEnv(env: NodeJS.ProcessEnv = process.env): { secret: string } | { problem: string } {
  const secret = env[JWT_SECRET_ENV];
  if (!secret) return { problem: `set ${JWT_SECRET_ENV} to the tokens' HS256 secret, or pass --anonymous` };
  if (secret.length < MIN_SECRET_LENGTH) return { problem: `${JWT_SECRET_ENV} is too short for HS256: use ${MIN_SECRET_LENGTH} characters or more (openssl rand -hex 32)` };
  return { secret };
}

/** HS256 tokens: `sub` is the user's id, `name` its username (the id when there is none). */
export class TokenAuth {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  /** The token's user and when it expires (ms), or a TokenRefusedError saying why not. */
  async verify(token: string | undefined): Promise<{ user: ChatUser; expiresAt?: number }> {
    if (!token) throw new TokenRefusedError('no token: pass ?token=, Authorization: Bearer, or the bearer.<token> subprotocol');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'] }));
    } catch (err) {
      throw new TokenRefusedError(reasonOf(err));
    }
    const id = payload.sub;
    const name = typeof payload.name === 'string' ? payload.name : id;
    if (typeof id !== 'string' || !validName(id) || !name || !validName(name)) throw new TokenRefusedError(`token claims: sub and name take 1 to ${NAME_MAX_LENGTH} characters`);
    return { user: { id, username: name }, ...(payload.exp === undefined ? {} : { expiresAt: payload.exp * 1000 }) };
  }

  /** A token for `user` that expires after `ttlSeconds`: for the page, tests and `chat ws token`. */
  sign(user: ChatUser, ttlSeconds: number): Promise<string> {
    return new SignJWT({ name: user.username }).setProtectedHeader({ alg: 'HS256' }).setSubject(user.id).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds).sign(this.#key);
  }
}

/** The token a request carries: `?token=`, then `Authorization: Bearer`, then a `bearer.<token>` subprotocol. */
export function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const query = url.searchParams.get('token');
  if (query) return query;
  const authorization = request.headers.authorization;
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  const protocols = request.headers['sec-websocket-protocol'];
  for (const protocol of (protocols ?? '').split(',')) {
    const value = protocol.trim();
    if (value.startsWith(BEARER_PROTOCOL)) return value.slice(BEARER_PROTOCOL.length);
  }
  return undefined;
}

/** ws's handleProtocols: the chat protocol when offered; never echo a token back. */
export function chooseProtocol(protocols: Set<string>): string | false {
  return protocols.has(CHAT_PROTOCOL) ? CHAT_PROTOCOL : false;
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature does not match this server\'s secret';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token must be signed with HS256';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim ${err.claim} is not valid now`;
  return 'token is not a valid JWT';
}

function validName(value: string): boolean {
  return value.trim() !== '' && [...value].length <= NAME_MAX_LENGTH && !/\p{Cc}/u.test(value);
}
