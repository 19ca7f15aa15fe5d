import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueFullError, RemoteError } from '../../src/kit/bus/errors.ts';
import { createEnvelope } from '../../src/kit/bus/envelope.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { waitFor } from '../helpers/wait.ts';

describe('bus semantics (memory transport)', () => {
  it('rejects sends beyond the queue bound with a QueueFullError that says what to do', async () => {
    const bus = await createBus('memory://bounded', { maxQueueLength: 3 });
    for (let i = 0; i < 3; i++) await bus.send('q', i);
    await assert.rejects(bus.send('q', 4), (err: unknown) => err instanceof QueueFullError && /add consumers/.test(err.message));
    await bus.close();
  });

  it('answers a request whose body cannot be decoded with a DecodeError reply, and keeps serving', async () => {
    const bus = await createBus('memory://decode');
    await bus.respond<{ n: number }>('echo', (body) => body.n);
    const replies: unknown[] = [];
    const address = await bus.transport.openReplies((envelope) => replies.push(envelope.headers['x-error-type']));
    await bus.transport.send('echo', createEnvelope(new TextEncoder().encode('{not json'), { replyTo: address, contentType: 'application/json' }));
    await waitFor(() => replies.length === 1, 'the error reply');
    assert.equal(replies[0], 'DecodeError');
    assert.equal(await bus.request('echo', { n: 7 }), 7);
    await bus.close();
  });

  it('parks an undecodable queue message at once rather than retrying it', async () => {
    const bus = await createBus('memory://poison');
    let calls = 0;
    await bus.consume('orders', (msg) => {
      calls++;
      void msg.body;
    }, { maxAttempts: 5, retryDelayMs: 0 });
    await bus.transport.send('orders', createEnvelope(new Uint8Array([0x92, 0x01]), { contentType: 'application/msgpack' }));
    await waitFor(async () => (await bus.deadLetters('orders')).length === 1, 'the parked message');
    assert.equal(calls, 1);
    const [parked] = await bus.deadLetters('orders');
    assert.match(parked!.headers['x-dead-letter-reason']!, /^DecodeError/);
    await bus.close();
  });

  it('continues the trace of the message a send follows from', async () => {
    const bus = await createBus('memory://trace');
    const traces: string[] = [];
    await bus.consume('second', (msg) => void traces.push(msg.headers.traceparent!));
    await bus.consume('first', async (msg) => {
      traces.push(msg.headers.traceparent!);
      await bus.send('second', {}, { parent: msg });
    });
    await bus.send('first', {});
    await waitFor(() => traces.length === 2, 'both hops');
    assert.equal(traces[0]!.split('-')[1], traces[1]!.split('-')[1]);
    assert.notEqual(traces[0], traces[1]);
    await bus.close();
  });

  it("answers in its request's trace: the reply carries the request's traceparent, or starts a trace when it had none", async () => {
    const bus = await createBus('memory://reply-trace');
    await bus.respond('echo', (body) => body);
    const replies: string[] = [];
    const address = await bus.transport.openReplies((envelope) => replies.push(envelope.headers.traceparent!));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const request = (headers: Record<string, string>) =>
      bus.transport.send('echo', createEnvelope(new TextEncoder().encode('{}'), { replyTo: address, contentType: 'application/json', headers }));
    await request({ traceparent });
    await waitFor(() => replies.length === 1, 'the reply');
    assert.equal(replies[0], traceparent);
    await request({});
    await waitFor(() => replies.length === 2, 'the second reply');
    assert.match(replies[1]!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await bus.close();
  });

  it('rejects requests still waiting when the bus closes', async () => {
    const bus = await createBus('memory://closing');
    await bus.respond('slow', () => new Promise(() => {}));
    const pending = bus.request('slow', {}, { timeoutMs: 10_000 });
    await bus.close({ graceMs: 0 });
    await assert.rejects(pending, /the bus is closed/);
  });

  it('gives a remote error the responder type and message', async () => {
    const bus = await createBus('memory://remote');
    await bus.respond('validate', () => {
      throw new TypeError('region must be a string');
    });
    await assert.rejects(bus.request('validate', {}), (err: unknown) => err instanceof RemoteError && err.remoteType === 'TypeError');
    await bus.close();
  });

  it('explains an unknown bus URL', async () => {
    await assert.rejects(createBus('kafka://localhost'), /no transport for "kafka:\/\/": known ones are memory:\/\//);
    await assert.rejects(createBus('not a url'), /is not a bus URL/);
  });
});
