/** Splits a streamed HTTP body into JSON values, one per line (the watch wire format). */
import type { Readable } from 'node:stream';

/** Yields each complete line of `stream` parsed as JSON; ignores blank lines. */
export async function* readJsonLines(stream: Readable): AsyncIterable<unknown> {
  let buffer = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    buffer += chunk as string;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) yield JSON.parse(line) as unknown;
      nl = buffer.indexOf('\n');
    }
  }
  if (buffer.trim()) yield JSON.parse(buffer) as unknown;
}
