import { Writable } from 'node:stream';

/** A writable that keeps everything written to it as text, for commands and clients that print. */
export function textSink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}
