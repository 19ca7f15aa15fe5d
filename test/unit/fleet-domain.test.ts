import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCents, readCents } from '../../src/systems/fleet/domain/money.ts';
import { ORDER_STATUSES, type OrderAction, type OrderStatus, statusesAllowing, transition } from '../../src/systems/fleet/domain/order-status.ts';
import { readNewOrder } from '../../src/systems/fleet/domain/order.ts';
import { SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';

const ACTIONS: OrderAction[] = ['dispatch', 'sendToManual', 'cancel', 'deliver'];

/** The reference's table, written out here rather than read from the code under test. */
const ALLOWED: Record<string, OrderStatus> = {
  'PENDING dispatch': 'DISPATCHED',
  'PENDING sendToManual': 'MANUAL_DISPATCH',
  'PENDING cancel': 'CANCELLED',
  'MANUAL_DISPATCH dispatch': 'DISPATCHED',
  'MANUAL_DISPATCH cancel': 'CANCELLED',
  'DISPATCHED deliver': 'DELIVERED',
  'DISPATCHED cancel': 'CANCELLED',
};

describe('fleet: the order state machine', () => {
  for (const from of ORDER_STATUSES) {
    for (const action of ACTIONS) {
      const expected = ALLOWED[`${from} ${action}`];
      it(`${from} ${expected ? `allows ${action} → ${expected}` : `refuses ${action}`}`, () => {
        assert.equal(transition(from, action), expected);
      });
    }
  }

  it('lists the states that allow each action, for the conditional UPDATE', () => {
    assert.deepEqual(new Set(statusesAllowing('dispatch')), new Set(['PENDING', 'MANUAL_DISPATCH']));
    assert.deepEqual(statusesAllowing('sendToManual'), ['PENDING']);
    assert.deepEqual(new Set(statusesAllowing('cancel')), new Set(['PENDING', 'MANUAL_DISPATCH', 'DISPATCHED']));
    assert.deepEqual(statusesAllowing('deliver'), ['DISPATCHED']);
  });
});

const cents = (field: string, value: unknown) => {
  const reading = readCents(field, value);
  return 'cents' in reading ? reading.cents : reading.reason;
};

describe('fleet: money as whole cents', () => {
  it('reads decimal strings and JSON numbers as the digits written', () => {
    assert.equal(cents('price', '12.30'), 1230);
    assert.equal(cents('price', '12.3'), 1230);
    assert.equal(cents('price', '12'), 1200);
    assert.equal(cents('price', 0.1), 10);
    assert.equal(cents('price', 100.0), 10_000);
    assert.equal(cents('price', '12.300'), 1230);
    assert.equal(cents('price', '007.50'), 750);
    assert.equal(cents('tax', '0'), 0);
    assert.equal(cents('tax', '-1.5'), -150);
  });

  it('adds 0.1 and 0.2 to 0.30, where floats give 0.30000000000000004', () => {
    const sum = (cents('price', 0.1) as number) + (cents('tax', 0.2) as number);
    assert.equal(formatCents(sum), '0.30');
    assert.notEqual(String(0.1 + 0.2), '0.3');
  });

  it('keeps DECIMAL(10,2) limits exact', () => {
    assert.equal(cents('price', '99999999.99'), 9_999_999_999);
    assert.equal(cents('price', 99999999.99), 9_999_999_999);
    assert.equal(formatCents(9_999_999_999), '99999999.99');
    assert.equal(cents('price', '100000000.00'), 'price must be at most 99999999.99');
    assert.equal(cents('price', 1e21), 'price must be at most 99999999.99');
  });

  it('refuses more than two decimal places, exponents, text and other types with the reason', () => {
    assert.equal(cents('price', '12.345'), 'price has more than two decimal places');
    assert.equal(cents('price', 12.345), 'price has more than two decimal places');
    assert.equal(cents('price', 1e-7), 'price has more than two decimal places');
    assert.equal(cents('price', '1e3'), 'price must be a decimal number, as in 12.30');
    assert.equal(cents('price', ' 12'), 'price must be a decimal number, as in 12.30');
    assert.equal(cents('price', "1; DROP TABLE orders"), 'price must be a decimal number, as in 12.30');
    assert.equal(cents('price', true), 'price must be a number or a decimal string, as in 12.30');
    assert.equal(cents('price', Number.NaN), 'price must be a finite number');
  });

  it('writes cents back with two places', () => {
    assert.equal(formatCents(5), '0.05');
    assert.equal(formatCents(1230), '12.30');
    assert.equal(formatCents(-150), '-1.50');
  });
});

const reasons = (body: unknown) => {
  const reading = readNewOrder(body);
  return 'reasons' in reading ? reading.reasons : [];
};

describe('fleet: a new order request', () => {
  it('reads a valid order, with final price = price + tax and São Paulo as the default pickup', () => {
    const reading = readNewOrder({ id: 'order-1', price: '100.10', tax: 0.2 });
    assert.ok('order' in reading);
    assert.deepEqual(reading.order, { id: 'order-1', priceCents: 10_010, taxCents: 20, finalCents: 10_030, pickup: SAO_PAULO_CENTRE });
  });

  it('takes a pickup point within range', () => {
    const reading = readNewOrder({ id: 'a', price: 1, tax: 0, pickup: { lat: -90, lng: 180 } });
    assert.ok('order' in reading);
    assert.deepEqual(reading.order.pickup, { lat: -90, lng: 180 });
  });

  it('refuses each bad field with its own sentence', () => {
    assert.deepEqual(reasons({ price: 1, tax: 0 }), ['id is required']);
    assert.deepEqual(reasons({ id: '', price: 1, tax: 0 }), ['id must not be empty']);
    assert.deepEqual(reasons({ id: 12, price: 1, tax: 0 }), ['id must be a string']);
    assert.deepEqual(reasons({ id: 'x'.repeat(65), price: 1, tax: 0 }), ['id must be at most 64 characters long']);
    assert.deepEqual(reasons({ id: "a'; DROP TABLE orders; --", price: 1, tax: 0 }), ['id may hold only letters, digits and . _ : -']);
    assert.deepEqual(reasons({ id: 'a', price: 0, tax: 0 }), ['price must be above 0']);
    assert.deepEqual(reasons({ id: 'a', price: -5, tax: 0 }), ['price must be above 0']);
    assert.deepEqual(reasons({ id: 'a', price: 1, tax: -0.01 }), ['tax must be 0 or more']);
    assert.deepEqual(reasons({ id: 'a', tax: 0 }), ['price is required']);
    assert.deepEqual(reasons({ id: 'a', price: 1 }), ['tax is required']);
    assert.deepEqual(reasons({ id: 'a', price: '99999999.99', tax: '0.01' }), ["price plus tax must be at most 99999999.99, the final price's limit"]);
    assert.deepEqual(reasons({ id: 'a', price: 1, tax: 0, extra: 1 }), ['the body has a field "extra" that this request does not take']);
    assert.deepEqual(reasons({ id: 'a', price: 1, tax: 0, pickup: { lat: 91, lng: 0 } }), ['pickup.lat must be from -90 to 90']);
    assert.deepEqual(reasons({ id: 'a', price: 1, tax: 0, pickup: { lat: '1', lng: -181 } }), ['pickup.lat must be a number', 'pickup.lng must be from -180 to 180']);
    assert.deepEqual(reasons({ id: 'a', price: 1, tax: 0, pickup: [1, 2] }), ['pickup must be a JSON object, as in {"lat": -23.55, "lng": -46.63}']);
  });

  it('reports every problem at once', () => {
    assert.deepEqual(reasons({ id: '', price: 'abc', tax: -1 }), ['id must not be empty', 'price must be a decimal number, as in 12.30', 'tax must be 0 or more']);
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, [], 'order', 12]) assert.match(reasons(body)[0]!, /^the body must be a JSON object/);
  });
});
