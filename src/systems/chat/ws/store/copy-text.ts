const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY's text format: backslash, tab, newline and carriage return escaped; null as \N. */
export function copyValue(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

/** One row in COPY's text format: values tab-separated, the line ended. */
export function copyRow(values: ReadonlyArray<string | null>): string {
  return `${values.map(copyValue).join('\t')}\n`;
}

/** Rows joined into chunks of about `size` characters, so a stream gets a few large writes rather than one per row. */
export function* chunked(rows: readonly string[], size = 64 * 1024): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += row;
    if (chunk.length >= size) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
