import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/kit/runtime/package-root.ts';
import { HEX_DIGITS, digitsOf, parseShard, shardOf } from '../../src/systems/payments/domain/id-shard.ts';
import { nginxConfig } from '../../src/systems/payments/roles/nginx-config.ts';
import { keyForPeer, nginxHashPeer } from '../../src/systems/payments/roles/nginx-hash.ts';

/** The lines of a config's `map $payment_digit` block, trimmed. */
function digitMap(config: string): string[] {
  const start = config.indexOf('map $payment_digit $payment_key {');
  assert.ok(start >= 0, 'the config maps the digit to a hash key');
  return config
    .slice(start, config.indexOf('}', start))
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

describe('payments shards', () => {
  it('puts every spelling of an id in the same shard, and splits the sixteen digits evenly over two', () => {
    const id = '4a7901b8-7d26-4d9d-aa19-4dc1c7cf60b3';
    assert.equal(shardOf(id.toUpperCase(), 2), shardOf(id, 2));
    assert.equal(shardOf('A0000000-0000-4000-8000-000000000000', 2), shardOf('a0000000-0000-4000-8000-000000000000', 2));
    assert.deepEqual(digitsOf(1, 2), [...'02468ace']);
    assert.deepEqual(digitsOf(2, 2), [...'13579bdf']);
    assert.deepEqual([1, 2, 3].map((k) => digitsOf(k, 3).length), [6, 5, 5]);
  });

  it('reads --shard K/N for 1 ≤ K ≤ N ≤ 16 and nothing else', () => {
    assert.deepEqual(parseShard('2/2'), { index: 2, count: 2 });
    for (const bad of ['0/2', '3/2', '1/17', '1', 'a/b', '1/2/3', '-1/2']) assert.equal(parseShard(bad), undefined, bad);
  });
});

describe('payments nginx routing', () => {
  it("computes nginx's hash as nginx does: CRC-32 of the key, its high 15 bits, modulo the servers", () => {
    // CRC-32 of "123456789" is 0xCBF43926 (the standard check value): (0xCBF4 & 0x7fff) = 19444.
    assert.equal(nginxHashPeer('123456789', 100_000), 19_444);
  });

  it('gives each shard a key that nginx sends to that shard’s server first, for every cluster size', () => {
    for (let count = 1; count <= 16; count++) {
      for (let index = 0; index < count; index++) assert.equal(nginxHashPeer(keyForPeer(index, count), count), index);
    }
  });

  it('routes each digit, lower and upper case alike, to its shard’s key', () => {
    const config = nginxConfig({ port: 9999, sockets: ['/s/api1.sock', '/s/api2.sock', '/s/api3.sock'], dir: '/tmp/x' });
    const lines = digitMap(config);
    for (const digit of HEX_DIGITS) assert.ok(lines.includes(`${digit} ${keyForPeer(shardOf(digit, 3) - 1, 3)};`), digit);
    assert.ok(lines.includes('default "";'), 'a request without a payment body has no key: round robin');
  });

  it('deploy/payments/nginx.conf routes as the cluster’s config for two backends does', () => {
    const deployed = readFileSync(join(packageRoot(), 'deploy/payments/nginx.conf'), 'utf8');
    assert.deepEqual(digitMap(deployed), digitMap(nginxConfig({ port: 9999, sockets: ['/sockets/api1.sock', '/sockets/api2.sock'], dir: '/tmp' })));
  });
});
