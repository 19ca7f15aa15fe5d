import { writeHtmlReport } from './html-report.ts';
import { type LoadResult, type LoadResultJson, toJson } from './result.ts';
import { formatTable } from './table.ts';

export interface EmitOptions {
  /** Print one JSON object on stdout instead of the table. */
  json?: boolean;
  /** Also write an HTML report to this file. */
  report?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/**
 * The output of every bench command. With json, stdout gets exactly one JSON object, always of the shape
 * `{ "results": [ ...one entry per run ] }` (even for a single run), so scripts can pipe it to jq; the
 * table and the report's path then go to stderr. Without json the table goes to stdout.
 */
export async function emitResults(results: LoadResult[], options: EmitOptions = {}): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (options.json) {
    const body: { results: LoadResultJson[] } = { results: results.map(toJson) };
    stderr.write(formatTable(results));
    stdout.write(`${JSON.stringify(body)}\n`);
  } else {
    stdout.write(formatTable(results));
  }
  if (options.report) {
    await writeHtmlReport(results, options.report);
    stderr.write(`report written to ${options.report}\n`);
  }
}
