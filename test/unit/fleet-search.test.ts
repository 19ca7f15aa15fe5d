import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LATITUDE, SAO_PAULO_AREA, distanceKm, pointProblem, reflectInto, stepFrom } from '../../src/systems/fleet/domain/geo.ts';
import { SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';
import { parseSearchRequest } from '../../src/systems/fleet/domain/search-request.ts';
import { MemoryDriverIndex } from '../../src/systems/fleet/store/memory-driver-index.ts';

describe('fleet geo', () => {
  it('measures great-circle distances as Redis does', () => {
    // The reference's two drivers, (-23.55, -46.63) and (-23.60, -46.70): Redis's GEODIST says 9.0467 km.
    assert.equal(distanceKm({ lat: -23.55, lng: -46.63 }, { lat: -23.6, lng: -46.7 }).toFixed(3), '9.047');
    assert.equal(distanceKm(SAO_PAULO_CENTRE, SAO_PAULO_CENTRE), 0);
    // A degree of latitude is about 111.2 km anywhere.
    assert.equal(Math.round(distanceKm({ lat: 0, lng: 10 }, { lat: 1, lng: 10 })), 111);
  });

  it('refuses points off the indexable map', () => {
    assert.equal(pointProblem({ lat: -23.5, lng: -46.6 }), undefined);
    assert.match(pointProblem({ lat: 86, lng: 0 }) ?? '', /lat must be a number/);
    assert.match(pointProblem({ lat: MAX_LATITUDE + 1e-6, lng: 0 }) ?? '', /lat/);
    assert.match(pointProblem({ lat: 0, lng: 180.5 }) ?? '', /lng must be a number/);
    assert.match(pointProblem({ lat: Number.NaN, lng: 0 }) ?? '', /lat/);
  });

  it('steps the given distance and folds points back into the box', () => {
    const moved = stepFrom(SAO_PAULO_CENTRE, 500, Math.PI / 3);
    assert.ok(Math.abs(distanceKm(SAO_PAULO_CENTRE, moved) - 0.5) < 0.005, 'a 500 m step lands 500 m away');
    const outside = { lat: SAO_PAULO_AREA.north + 0.01, lng: SAO_PAULO_AREA.west - 0.02 };
    const folded = reflectInto(outside, SAO_PAULO_AREA);
    assert.ok(Math.abs(folded.lat - (SAO_PAULO_AREA.north - 0.01)) < 1e-9);
    assert.ok(Math.abs(folded.lng - (SAO_PAULO_AREA.west + 0.02)) < 1e-9);
    assert.deepEqual(reflectInto(SAO_PAULO_CENTRE, SAO_PAULO_AREA), SAO_PAULO_CENTRE);
  });
});

describe('SearchDriver request validation', () => {
  it('searches around São Paulo when only order_id comes, as the reference’s clients send', () => {
    assert.deepEqual(parseSearchRequest({ order_id: 'o-1' }), { orderId: 'o-1', point: SAO_PAULO_CENTRE });
  });

  it('takes a pickup point with both coordinates, zero included', () => {
    assert.deepEqual(parseSearchRequest({ order_id: 'o-1', lat: 0, lng: 0 }), { orderId: 'o-1', point: { lat: 0, lng: 0 } });
  });

  it('refuses an empty or oversized order id, half a point and points off the map, saying why', () => {
    const problem = (request: Parameters<typeof parseSearchRequest>[0]) => {
      const parsed = parseSearchRequest(request);
      return 'problem' in parsed ? parsed.problem : 'accepted';
    };
    assert.equal(problem({ order_id: '' }), 'order_id must not be empty');
    assert.equal(problem({ order_id: '   ' }), 'order_id must not be empty');
    assert.equal(problem({}), 'order_id must not be empty');
    assert.match(problem({ order_id: 'x'.repeat(129) }), /at most 128/);
    assert.match(problem({ order_id: 'o', lat: -23.5 }), /both lat and lng.*only lat/);
    assert.match(problem({ order_id: 'o', lng: -46.6 }), /only lng/);
    assert.match(problem({ order_id: 'o', lat: 91, lng: 0 }), /lat must be/);
    assert.match(problem({ order_id: 'o', lat: 0, lng: -181 }), /lng must be/);
  });
});

describe('nearest driver selection (in-memory index)', () => {
  it('answers the nearest driver within the radius, and nothing beyond it', async () => {
    const index = new MemoryDriverIndex();
    await index.add([
      { id: 'Joao-da-Silva', lat: -23.55, lng: -46.63 },
      { id: 'Maria-Longe', lat: -23.6, lng: -46.7 },
    ]);
    const near = await index.nearest(SAO_PAULO_CENTRE, 5);
    assert.equal(near?.id, 'Joao-da-Silva');
    assert.ok(near && near.distanceKm < 0.5);
    // From a point 6 km east of Maria, only Maria is within 10 km and nobody within 5.
    const east = stepFrom({ lat: -23.6, lng: -46.7 }, 6_000, -Math.PI / 2);
    assert.equal(await index.nearest(east, 5), undefined);
    assert.equal((await index.nearest(east, 7))?.id, 'Maria-Longe');
  });

  it('moves only drivers it knows, removes them, and refuses positions off the map', async () => {
    const index = new MemoryDriverIndex(2);
    await index.add([{ id: 'a', lat: -23.55, lng: -46.63 }]);
    assert.equal(await index.move([{ id: 'a', lat: -23.7, lng: -46.63 }, { id: 'ghost', lat: -23.55, lng: -46.63 }]), 1);
    assert.equal(await index.nearest(SAO_PAULO_CENTRE, 5), undefined, 'a moved 16 km south');
    assert.equal(index.size, 1, 'the unknown driver was not added by a move');
    await assert.rejects(index.add([{ id: 'b', lat: 95, lng: 0 }]), RangeError);
    await index.add([{ id: 'b', lat: -23.55, lng: -46.63 }]);
    await assert.rejects(index.add([{ id: 'c', lat: -23.55, lng: -46.63 }]), /at most 2 drivers/);
    assert.equal(await index.remove(['a', 'ghost']), 1);
    assert.equal((await index.nearest(SAO_PAULO_CENTRE, 5))?.id, 'b');
  });
});
