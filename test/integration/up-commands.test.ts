import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exitOf, freePort, startCli } from '../helpers/cli-process.ts';

describe('the up commands and the CLI\'s exit codes', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mensageiro-up-commands-'));
  let taken: Server;
  let port = 0;
  before(async () => {
    port = await freePort();
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise((resolve) => taken.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  for (const command of [['sales', 'up'], ['payments', 'up']]) {
    const typed = `mensageiro ${command.join(' ')}`;
    it(`${typed} says the port is taken and what to type instead, having started nothing`, async () => {
      const cli = startCli([...command, '--port', String(port), '--host', '127.0.0.1'], { DB_PATH: join(dir, 'sales.db'), MENSAGEIRO_LOG_LEVEL: 'info' });
      assert.equal(await exitOf(cli, 30_000), 1, cli.output());
      assert.match(cli.output(), new RegExp(`port ${port} is already in use\\. Stop whatever runs there, or pick another port: ${typed} --port ${port + 1}\\n`));
      assert.doesNotMatch(cli.output(), /EADDRINUSE|socket hang up|BusClosedError|worker is up|seeded/);
    });
  }

  it('exits 2 on every usage error, a missing command included', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^usage: mensageiro <command>/m],
      [['up', '--speed', '3'], /^mensageiro up: Unknown option '--speed'\nSee "mensageiro up --help"\.$/m],
      [['up', '--port', '70000'], /--port takes a port from 0 to 65535, got "70000"/],
      [['sales', 'up', '--port', 'x'], /--port takes a port from 0 to 65535, got "x"/],
      [['payments', 'up', '--port', '65536'], /--port takes a port from 0 to 65535, got "65536"/],
      [['bus', 'frobnicate'], /^mensageiro bus: unknown bus command "frobnicate"/m],
      [['nope'], /unknown command "nope"/],
    ];
    for (const [args, says] of cases) {
      const cli = startCli(args);
      assert.equal(await exitOf(cli, 30_000), 2, `mensageiro ${args.join(' ')}: ${cli.output()}`);
      assert.match(cli.output(), says, `mensageiro ${args.join(' ')}`);
    }
  });
});
