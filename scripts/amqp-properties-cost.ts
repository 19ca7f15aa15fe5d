// What a message's AMQP properties cost RabbitMQ to decode (its channel decodes every published message's
// properties): the broker's own decoder (rabbit_framing_amqp_0_9_1 from the installed RabbitMQ), compiled and
// timed in CPU time (not wall time: the host may be busy) in a separate Erlang VM with one scheduler, on the
// property sets the Bus writes and on a bare client's, each encoded by amqplib. Needs erl and erlc, which come
// with RabbitMQ.
//   node --import tsx scripts/amqp-properties-cost.ts [repeats, default 7]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvelope } from '../src/kit/bus/envelope.ts';
import { toPublishFields } from '../src/kit/bus/transports/amqp/properties.ts';
import { newTraceparent } from '../src/kit/observe/trace.ts';

const repeats = Number(process.argv[2] ?? 7);
// amqplib's property encoder is not among its package exports; the file is reached through its main entry's folder.
const amqplibDir = join(createRequire(import.meta.url).resolve('amqplib'), '..');
const { encodeProperties } = createRequire(import.meta.url)(join(amqplibDir, 'lib', 'defs.js')) as {
  encodeProperties(classId: number, channel: number, size: number, fields: object): Buffer;
};

const body = Buffer.from('{}');
const envelope = createEnvelope(body, { contentType: 'application/json', headers: { traceparent: newTraceparent() } });
const bus = toPublishFields('', 'q', envelope, true, true);
const sets: Record<string, object> = {
  'bare client (delivery mode only)': { deliveryMode: 2 },
  'Bus, first attempt': bus,
  'Bus, a retry (x-attempt too)': toPublishFields('', 'q', { ...envelope, attempt: 2 }, true, true),
  'Bus without x-timestamp-ms': { ...bus, headers: { traceparent: envelope.headers.traceparent } },
  'Bus without a headers table': { ...bus, headers: undefined },
};
// A content header frame: type, channel, size (7 bytes), class, weight, body size (12), then flags and properties.
const properties = Object.entries(sets).map(([name, fields]) => {
  const frame = encodeProperties(60, 1, body.length, fields);
  return { name, hex: frame.subarray(19, frame.length - 1).toString('hex') };
});

const root = '/usr/lib/rabbitmq/lib';
const server = existsSync(root) ? readdirSync(root).find((dir) => dir.startsWith('rabbitmq_server-')) : undefined;
const common = server ? readdirSync(join(root, server, 'plugins')).find((dir) => dir.startsWith('rabbit_common-')) : undefined;
if (!server || !common) throw new Error(`RabbitMQ's rabbit_common is not under ${root}`);

const dir = mkdtempSync(join(tmpdir(), 'amqp-properties-cost-'));
try {
  writeFileSync(
    join(dir, 'props_cost.erl'),
    `-module(props_cost).
-export([run/0]).
loop(_, 0) -> ok;
loop(B, K) -> _ = rabbit_framing_amqp_0_9_1:decode_properties(60, B), loop(B, K - 1).
ns(B) -> N = 1000000, statistics(runtime), loop(B, N), {_, Ms} = statistics(runtime), Ms * 1000000 div N.
run() ->
  [begin
     B = binary:decode_hex(Hex),
     Runs = lists:sort([ns(B) || _ <- lists:seq(1, ${repeats})]),
     io:format("~-36s ~4B bytes  ~5B ns (~w)~n", [Name, byte_size(B), lists:nth((length(Runs) + 1) div 2, Runs), Runs])
   end || {Name, Hex} <- [${properties.map(({ name, hex }) => `{"${name}", <<"${hex}">>}`).join(',\n')}]],
  ok.
`,
  );
  execFileSync('erlc', ['-o', dir, join(dir, 'props_cost.erl')]);
  process.stdout.write('properties of one message, decoded by RabbitMQ: bytes, median ns per decode (runs)\n');
  execFileSync('erl', ['+S', '1', '+sbwt', 'none', '-noshell', '-pa', join(root, server, 'plugins', common, 'ebin'), '-pa', dir, '-eval', 'props_cost:run(), halt().'], { stdio: 'inherit' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
