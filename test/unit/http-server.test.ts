import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpServer } from '../../src/kit/observe/http-server.ts';

describe('http server factory', () => {
  const app = createHttpServer({ bodyLimit: 1024 });
  app.post('/echo', async (request) => request.body);
  app.get('/boom', async () => {
    throw new Error('secret connection string');
  });

  it('answers malformed JSON with 400 and the reason', async () => {
    const response = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    assert.equal(response.statusCode, 400);
    assert.match(response.json().error, /JSON/i);
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(2000) }) });
    assert.equal(response.statusCode, 413);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/missing' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, 'NOT_FOUND');
  });

  it('reads a schema\'s refusal as a sentence naming the field, in a plugin under a prefix too', async () => {
    const server = createHttpServer();
    const name = { type: 'string', minLength: 1, maxLength: 8 };
    await server.register(
      async (scope) => {
        scope.post('/login', { schema: { body: { type: 'object', properties: { user: name, age: { type: 'integer', minimum: 0, maximum: 150 }, color: { enum: ['red', 'blue'] } }, required: ['user'], additionalProperties: false } } }, async () => ({ ok: true }));
        scope.get('/find', { schema: { querystring: { type: 'object', properties: { q: name }, required: ['q'] } } }, async () => ({ ok: true }));
      },
      { prefix: '/sys' },
    );
    const refusal = async (payload: unknown) => {
      const response = await server.inject({ method: 'POST', url: '/sys/login', payload: payload as object });
      assert.equal(response.statusCode, 400);
      return (response.json() as { error: string }).error;
    };
    assert.equal(await refusal({}), 'user is required');
    assert.equal(await refusal({ user: '' }), 'user must not be empty');
    assert.equal(await refusal({ user: 'x'.repeat(9) }), 'user must be at most 8 characters long');
    assert.equal(await refusal({ user: {} }), 'user must be a string');
    assert.equal(await refusal({ user: 'a', age: -1 }), 'age must be at least 0');
    assert.equal(await refusal({ user: 'a', age: 1.5 }), 'age must be a whole number');
    assert.equal(await refusal({ user: 'a', color: 'green' }), 'color must be one of red, blue');
    assert.equal(await refusal([1]), 'the body must be a JSON object');
    const query = await server.inject({ method: 'GET', url: '/sys/find' });
    assert.equal(query.statusCode, 400);
    assert.equal((query.json() as { error: string }).error, 'q is required in the query string');
  });

  it('keeps a handler crash to a 500 that hides internals', async () => {
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    const response = await app.inject({ method: 'GET', url: '/boom' }).finally(() => (process.stderr.write = stderr));
    assert.equal(response.statusCode, 500);
    assert.doesNotMatch(response.body, /secret/);
  });

  it('answers /health with its fields, and 503 when a check reports a status other than ok', async () => {
    let postgres = 'ok';
    const server = createHttpServer({ health: async () => ({ status: postgres === 'ok' ? 'ok' : 'unavailable', checks: { postgres } }) });
    const healthy = await server.inject({ method: 'GET', url: '/health' });
    assert.equal(healthy.statusCode, 200);
    assert.deepEqual(healthy.json().checks, { postgres: 'ok' });
    postgres = 'connection refused';
    const down = await server.inject({ method: 'GET', url: '/health' });
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().status, 'unavailable');
    assert.deepEqual(down.json().checks, { postgres: 'connection refused' });
  });
});
