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

  it('keeps a handler crash to a 500 that hides internals', async () => {
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    const response = await app.inject({ method: 'GET', url: '/boom' }).finally(() => (process.stderr.write = stderr));
    assert.equal(response.statusCode, 500);
    assert.doesNotMatch(response.body, /secret/);
  });
});
