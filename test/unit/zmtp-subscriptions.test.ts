import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrefixTable, parseSubscription, subscriptionMessage } from '../../src/kit/zmtp/zmtp-subscriptions.ts';

const b = (text: string) => Buffer.from(text);

describe('ZMTP subscriptions', () => {
  it('encodes subscribe and cancel as one frame, and reads them back; anything else is not one', () => {
    assert.deepEqual(parseSubscription(subscriptionMessage(true, b('news'))), { subscribe: true, prefix: b('news') });
    assert.deepEqual(parseSubscription(subscriptionMessage(false, b(''))), { subscribe: false, prefix: b('') });
    assert.equal(parseSubscription([b('\x02news')]), undefined);
    assert.equal(parseSubscription([b('\x01a'), b('b')]), undefined, 'two frames');
    assert.equal(parseSubscription([Buffer.alloc(0)]), undefined);
  });

  it('matches a topic by any of its prefixes, and hands out each holder once', () => {
    const table = new PrefixTable<string>();
    table.add(b('news'), 'ana');
    table.add(b('news.sport'), 'ana');
    table.add(b('n'), 'bia');
    table.add(b('weather'), 'caio');
    assert.deepEqual([...table.holdersOf(b('news.sport.goal'))].sort(), ['ana', 'bia']);
    assert.deepEqual([...table.holdersOf(b('weather'))], ['caio']);
    assert.deepEqual([...table.holdersOf(b('wea'))], []);
    assert.equal(table.matches(b('nothing')), true, 'n is a prefix of nothing');
    assert.equal(table.matches(b('sports')), false);
  });

  it('counts repeated subscriptions: the prefix leaves with its last cancel, or with its last holder', () => {
    const table = new PrefixTable<string>();
    assert.equal(table.add(b('x'), 'ana'), true, 'new to the table');
    assert.equal(table.add(b('x'), 'ana'), false);
    assert.equal(table.add(b('x'), 'bia'), false);
    assert.equal(table.remove(b('x'), 'ana'), false);
    assert.equal(table.remove(b('x'), 'ana'), false, 'bia still holds it');
    assert.equal(table.remove(b('x'), 'caio'), false, 'never subscribed');
    assert.deepEqual(table.removeHolder('bia').map(String), ['x']);
    assert.equal(table.size, 0);
    assert.equal(table.matches(b('x')), false);

    table.add(b('ab'), 'ana');
    table.add(b('cd'), 'ana');
    assert.equal(table.remove(b('ab'), 'ana'), true);
    assert.equal(table.matches(b('cd!')), true, 'a length still in use by another prefix keeps matching');
    assert.deepEqual(table.prefixes().map(String), ['cd']);
  });
});
