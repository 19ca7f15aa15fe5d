import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/kit/runtime/package-root.ts';
import { runChat } from '../../src/systems/chat/commands/chat-command.ts';
import { chatNginxConfig } from '../../src/systems/chat/ws/roles/nginx-config.ts';
import { JWT_SECRET_ENV, TokenAuth, TokenRefusedError } from '../../src/systems/chat/ws/roles/token-auth.ts';
import { textSink } from '../helpers/text-sink.ts';

async function chat(...argv: string[]) {
  const stdout = textSink();
  const stderr = textSink();
  const code = await runChat(argv, { stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}

describe('mensageiro chat ws', () => {
  const saved = process.env[JWT_SECRET_ENV];
  before(() => delete process.env[JWT_SECRET_ENV]);
  after(() => {
    if (saved === undefined) delete process.env[JWT_SECRET_ENV];
    else process.env[JWT_SECRET_ENV] = saved;
  });

  it('lists its roles, and the chat command lists it beside zmq', async () => {
    const roles = await chat('ws', '--help');
    assert.equal(roles.code, 0);
    for (const role of ['server', 'cluster', 'token']) assert.match(roles.out, new RegExp(`^  ${role} `, 'm'));
    assert.match((await chat('--help')).out, /^ {2}ws {4}the WebSocket chat/m);
  });

  it('says how to run a server without a secret: set one, or pass --anonymous (exit 2)', async () => {
    const refused = await chat('ws', 'server', '--port', '0');
    assert.equal(refused.code, 2);
    assert.match(refused.err, /set MENSAGEIRO_CHAT_JWT_SECRET .* or pass --anonymous/);
    process.env[JWT_SECRET_ENV] = 'short';
    assert.match((await chat('ws', 'server', '--port', '0')).err, /too short for HS256/);
    delete process.env[JWT_SECRET_ENV];
  });

  it('refuses bad options with the flag and what it takes', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--port', '70000'], /--port takes a port/],
      [['--instance', 'a b'], /--instance takes letters/],
      [['--ping-interval', '60s', '--pong-wait', '60s'], /--ping-interval must be shorter than --pong-wait/],
      [['--rate', '0'], /--rate takes a number above 0/],
      [['--bus', 'amqp://guest:guest@127.0.0.1:5672'], /presence needs its own Redis: add --presence/],
    ];
    for (const [options, reason] of cases) {
      const refused = await chat('ws', 'server', '--anonymous', ...options);
      assert.equal(refused.code, 2, options.join(' '));
      assert.match(refused.err, reason);
    }
  });

  it('a PostgreSQL store: needs the bus\'s Redis, says what to do when PostgreSQL does not answer, and names the choices (exit 1)', async () => {
    const url = 'postgres://chat:secret@127.0.0.1:1/chat';
    const alone = await chat('ws', 'server', '--anonymous', '--port', '0', '--store', url);
    assert.equal(alone.code, 1);
    assert.match(alone.err, /keeps the message log in the bus's Redis: add --bus redis:/);
    const unreachable = await chat('ws', 'server', '--anonymous', '--port', '0', '--bus', 'redis://127.0.0.1:1', '--store', url);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.err, /cannot reach PostgreSQL at .*127\.0\.0\.1:1.*start PostgreSQL/);
    for (const refused of [alone, unreachable]) assert.doesNotMatch(refused.err, /secret/, 'the password is not printed');
    assert.equal((await chat('ws', 'server', '--anonymous', '--port', '0', '--schema', 'Bad-Name')).code, 2);
    assert.match((await chat('ws', 'server', '--anonymous', '--port', '0', '--store', 'sqlite')).err, /--store takes memory/);
  });

  it('token: prints a JWT for the user that the server accepts, signed with the secret from the environment', async () => {
    assert.equal((await chat('ws', 'token', '--sub', 'u1')).code, 2, 'no secret');
    const secret = randomUUID() + randomUUID();
    process.env[JWT_SECRET_ENV] = secret;
    try {
      assert.match((await chat('ws', 'token')).err, /--sub u1/);
      const { code, out } = await chat('ws', 'token', '--sub', 'u1', '--name', 'Ana', '--ttl', '1h');
      assert.equal(code, 0);
      const { user, expiresAt } = await new TokenAuth(secret).verify(out.trim());
      assert.deepEqual(user, { id: 'u1', username: 'Ana' });
      assert.ok(expiresAt! > Date.now() + 59 * 60_000 && expiresAt! <= Date.now() + 3_600_000);
      await assert.rejects(new TokenAuth(randomUUID() + randomUUID()).verify(out.trim()), TokenRefusedError);
    } finally {
      delete process.env[JWT_SECRET_ENV];
    }
  });
});

describe('the chat\'s nginx configuration', () => {
  it('is the reference\'s: ip_hash, /ws with the Upgrade headers and long timeouts, /health and / passed on', () => {
    const config = chatNginxConfig({ port: 8080, servers: ['127.0.0.1:8081', '127.0.0.1:8082'], dir: '/run/x', foreground: true });
    assert.match(config, /upstream chat_servers \{\n {4}ip_hash;\n {4}server 127\.0\.0\.1:8081;\n {4}server 127\.0\.0\.1:8082;/);
    assert.match(config, /location \/ws \{[^}]*proxy_set_header Upgrade \$http_upgrade;[^}]*proxy_set_header Connection "upgrade";[^}]*proxy_read_timeout 7d;/);
    for (const location of ['/health', '/ws', '/']) assert.match(config, new RegExp(`location ${location} \\{\\n {6}proxy_pass http://chat_servers;`));
    assert.match(config, /^daemon off;$/m);
    assert.match(config, /^pid \/run\/x\/nginx\.pid;$/m);
    assert.doesNotMatch(chatNginxConfig({ port: 8080, servers: ['s1:8081'], dir: '/tmp', foreground: false }), /daemon/);
  });

  it('is what deploy/chat-ws/nginx.conf holds, so the compose file and the cluster command do not drift apart', () => {
    const file = readFileSync(join(packageRoot(), 'deploy', 'chat-ws', 'nginx.conf'), 'utf8');
    const generated = chatNginxConfig({ port: 8080, servers: ['s1:8081', 's2:8082', 's3:8083'], dir: '/tmp', foreground: false });
    assert.equal(file.replace(/^#.*\n/gm, ''), generated);
  });
});
