import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/kit/cli/args.ts';
import { clusterCommand } from '../../src/systems/payments/commands/cluster-command.ts';
import { redisArgs } from '../../src/kit/runtime/local-engines.ts';
import { textSink } from '../helpers/text-sink.ts';

describe('payments cluster --durable', () => {
  it('runs Redis with an append-only file synced every second, kept in the cluster directory', () => {
    const args = redisArgs('/tmp/c/redis.sock', '/tmp/c', true).join(' ');
    assert.match(args, /--appendonly yes --appendfsync everysec --dir \/tmp\/c/);
    assert.match(redisArgs('/tmp/c/redis.sock', '/tmp/c', false).join(' '), /--appendonly no/, 'and nothing on disk without it');
  });

  it('refuses a dispatcher other than the external one, which it needs', async () => {
    await assert.rejects(clusterCommand(['--durable', '--dispatcher', 'thread'], { stdout: textSink(), stderr: textSink() }), (err: Error) => err instanceof UsageError && /external dispatcher/.test(err.message));
  });
});
