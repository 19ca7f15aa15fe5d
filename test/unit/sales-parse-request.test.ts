import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSalesRequestError, parseSalesRequest } from '../../src/systems/sales/domain/parse-sales-request.ts';

const rejects = (body: unknown, reason: RegExp) => assert.throws(() => parseSalesRequest(body), (err: unknown) => err instanceof InvalidSalesRequestError && reason.test(err.message));

describe('parseSalesRequest', () => {
  it('takes the seed client’s request and normalizes its dates to [from, to)', () => {
    assert.deepEqual(parseSalesRequest({ region: 'Europe', category: 'Computers', start_date: '2022-03-01', end_date: '2022-03-31', start_hour: 8, end_hour: 17 }), {
      region: 'Europe',
      category: 'Computers',
      from: '2022-03-01 00:00:00',
      to: '2022-04-01 00:00:00',
      startHour: 8,
      endHour: 17,
    });
  });

  it('makes an end date cover the whole unit it was written in', () => {
    assert.equal(parseSalesRequest({ end_date: '2024-12-31' }).to, '2025-01-01 00:00:00');
    assert.equal(parseSalesRequest({ end_date: '2024-02-29 23:59' }).to, '2024-03-01 00:00:00');
    assert.equal(parseSalesRequest({ end_date: '2024-06-01T10:20:30' }).to, '2024-06-01 10:20:31');
    assert.equal(parseSalesRequest({ start_date: '2024-06-01 10:20' }).from, '2024-06-01 10:20:00');
  });

  it('treats absent, null and empty fields as no filter, and ignores unknown fields', () => {
    assert.deepEqual(parseSalesRequest({}), {});
    assert.deepEqual(parseSalesRequest({ region: '', category: null, product_keyword: '', colour: 'red', min_amount: null }), {});
  });

  it('fills the other end of a half-open hour window', () => {
    assert.deepEqual(parseSalesRequest({ start_hour: 20 }), { startHour: 20, endHour: 23 });
    assert.deepEqual(parseSalesRequest({ end_hour: 3 }), { startHour: 0, endHour: 3 });
    assert.deepEqual(parseSalesRequest({ start_hour: 22, end_hour: 2 }), { startHour: 22, endHour: 2 }, 'a window across midnight is kept');
  });

  it('keeps amounts and keywords', () => {
    assert.deepEqual(parseSalesRequest({ min_amount: 10, max_amount: 20, product_keyword: 'Luxury', buyer_keyword: "O'Brien" }), {
      minAmount: 10,
      maxAmount: 20,
      productKeyword: 'Luxury',
      buyerKeyword: "O'Brien",
    });
  });

  it('refuses a body that is not an object', () => {
    rejects([1, 2], /JSON object.*array/);
    rejects(null, /JSON object.*null/);
    rejects('Europe', /JSON object.*string/);
  });

  it('refuses unknown regions and categories, naming the valid ones', () => {
    rejects({ region: 'Atlantis' }, /region "Atlantis" is unknown: use one of North America, South America, Europe/);
    rejects({ category: 'Cars' }, /category "Cars" is unknown: use one of Appliances/);
  });

  it('names the field and the expected type on a wrong type', () => {
    rejects({ start_hour: 'ten' }, /start_hour must be a whole number, got "ten"/);
    rejects({ start_hour: 7.5 }, /start_hour must be a whole number/);
    rejects({ end_hour: 24 }, /end_hour must be from 0 to 23, got 24/);
    rejects({ region: 5 }, /region must be a string, got number 5/);
    rejects({ min_amount: -1 }, /min_amount must be from 0/);
    rejects({ start_date: 20240101 }, /start_date must be a date string/);
  });

  it('refuses malformed, impossible and reversed dates', () => {
    rejects({ start_date: '01/02/2024' }, /start_date "01\/02\/2024" is not a date: write it as "2006-01-02"/);
    rejects({ end_date: '2021-02-30' }, /end_date "2021-02-30" is not a real date/);
    rejects({ end_date: '2021-02-03 25:00' }, /not a real date/);
    rejects({ start_date: '2024-05-02', end_date: '2024-05-01' }, /start_date 2024-05-02 is after end_date 2024-05-01/);
    rejects({ min_amount: 50, max_amount: 10 }, /min_amount 50 is above max_amount 10/);
  });

  it('bounds keyword length', () => {
    assert.equal(parseSalesRequest({ buyer_keyword: 'x'.repeat(100) }).buyerKeyword?.length, 100);
    rejects({ buyer_keyword: 'x'.repeat(101) }, /buyer_keyword is 101 characters; at most 100/);
  });
});
