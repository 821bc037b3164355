/**
 * Streaming readers for CSV (and TSV) and JSON Lines, with column types inferred while
 * reading: numbers, ISO timestamps, else categories. Bad input has a defined outcome: an
 * empty file or one without data rows is an error; ragged rows are padded or cut with a
 * warning; files longer than `maxRows` are cut with a warning.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { basename, extname } from 'node:path';
import { KubeMLError } from '../common/errors';
import { ColumnBuilder } from './columns';
import { readParquetFile } from './parquet';
import type { Table } from './table';

export interface ReadOptions {
  /** Default from the file extension. */
  readonly format?: DataFormat;
  /** Rows beyond this are not read (default 20,000,000). */
  readonly maxRows?: number;
  readonly signal?: AbortSignal;
}

export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';
export const DEFAULT_MAX_ROWS = 20_000_000;
/** File extensions the readers take, for open dialogs and pickers. */
export const DATA_EXTENSIONS = ['csv', 'tsv', 'jsonl', 'ndjson', 'parquet', 'pq'];

export function formatOf(path: string, format?: ReadOptions['format']): DataFormat {
  if (format) return format;
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet' || ext === '.pq' || ext === '.parq') return 'parquet';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  return 'csv';
}

/** Reads a CSV, TSV, JSON Lines or Parquet file from disk. */
export async function readTableFile(path: string, options: ReadOptions = {}): Promise<Table> {
  if (formatOf(path, options.format) === 'parquet') return readParquetFile(path, options);
  try {
    await fs.access(path);
  } catch (e) {
    throw new KubeMLError('not-found', `Cannot read ${path}: the file does not exist or is not readable.`, 'Check the path.', undefined, { cause: e });
  }
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  return readTable(stream, path, options);
}

/** Reads a table from any stream of text (a file, or the output of `cat` in a pod). */
export async function readTable(chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>, source: string, options: ReadOptions = {}): Promise<Table> {
  const format = formatOf(source, options.format);
  if (format === 'parquet') throw new KubeMLError('invalid', `${source} is Parquet, which needs random access, not a stream.`, 'Read it with readParquet and a byte source.');
  const parser = format === 'jsonl' ? new JsonLinesParser(source) : new CsvParser(source, format === 'tsv' ? '\t' : ',');
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  let rest = '';
  let first = true;
  let lineNo = 0;
  outer: for await (const chunk of chunks) {
    if (options.signal?.aborted) throw new KubeMLError('unknown', `Reading ${source} was cancelled.`);
    let text = rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      lineNo++;
      const line = text.charCodeAt(nl - 1) === 13 ? text.slice(pos, nl - 1) : text.slice(pos, nl);
      pos = nl + 1;
      if (!parser.line(line, lineNo)) continue;
      if (parser.rows >= maxRows) {
        parser.warnings.push(`Read only the first ${maxRows.toLocaleString('en-US')} rows of ${basename(source)}; the rest was not compared.`);
        rest = '';
        break outer;
      }
    }
    rest = text.slice(pos);
  }
  if (rest.length > 0 && parser.rows < maxRows) parser.line(rest.endsWith('\r') ? rest.slice(0, -1) : rest, lineNo + 1);
  return parser.finish();
}

interface LineParser {
  readonly rows: number;
  readonly warnings: string[];
  /** Consumes a line; true when a row was completed. */
  line(line: string, lineNo: number): boolean;
  finish(): Table;
}

class CsvParser implements LineParser {
  rows = 0;
  readonly warnings: string[] = [];
  private header?: string[];
  private cols: ColumnBuilder[] = [];
  private pending?: string;
  private short = 0;
  private long = 0;
  private firstBad = 0;

  constructor(private readonly source: string, private readonly delim: string) {}

  line(line: string, lineNo: number): boolean {
    if (this.pending !== undefined) {
      line = `${this.pending}\n${line}`;
      this.pending = undefined;
    }
    let fields: string[];
    if (line.indexOf('"') < 0) {
      fields = line.split(this.delim);
    } else {
      const parsed = splitQuoted(line, this.delim);
      if (!parsed) {
        this.pending = line; // a quoted field goes on over the next line
        return false;
      }
      fields = parsed;
    }
    if (!this.header) {
      if (line.trim() === '') return false;
      this.header = dedupe(fields.map((f, i) => f.trim() || `column_${i + 1}`), this.warnings);
      this.cols = this.header.map((h) => new ColumnBuilder(h));
      return false;
    }
    if (line === '') return false;
    const cols = this.cols;
    const n = Math.min(fields.length, cols.length);
    for (let i = 0; i < n; i++) cols[i].pushText(fields[i]);
    for (let i = n; i < cols.length; i++) cols[i].pushMissing();
    if (fields.length !== cols.length) {
      if (fields.length < cols.length) this.short++;
      else this.long++;
      this.firstBad ||= lineNo;
    }
    this.rows++;
    return true;
  }

  finish(): Table {
    if (!this.header) throw new KubeMLError('invalid', `${this.source} is empty.`, 'Give a CSV file with a header row and at least one data row.');
    if (this.pending !== undefined) this.warnings.push(`${basename(this.source)} ends inside a quoted field; the last row was dropped.`);
    if (this.rows === 0) throw new KubeMLError('invalid', `${this.source} has a header but no data rows.`, 'Give a file with at least one data row.');
    if (this.short) this.warnings.push(`${this.short.toLocaleString('en-US')} rows have fewer fields than the header (first at line ${this.firstBad}); the missing fields count as missing values.`);
    if (this.long) this.warnings.push(`${this.long.toLocaleString('en-US')} rows have more fields than the header (first at line ${this.firstBad}); the extra fields were ignored.`);
    return { source: this.source, rows: this.rows, columns: this.cols.map((c) => c.build()), warnings: this.warnings };
  }
}

/** RFC 4180 fields of one record; undefined when a quoted field is still open at the end. */
export function splitQuoted(line: string, delim: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const d = line.indexOf(delim, i);
      value += d < 0 ? line.slice(i) : line.slice(i, d);
      out.push(value);
      if (d < 0) return out;
      i = d + 1;
    } else {
      const d = line.indexOf(delim, i);
      out.push(d < 0 ? line.slice(i) : line.slice(i, d));
      if (d < 0) return out;
      i = d + 1;
    }
    if (i > n) return out;
  }
}

function dedupe(names: string[], warnings: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    if (k === 0) return name;
    warnings.push(`The header names "${name}" more than once; the copy is read as "${name}.${k}".`);
    return `${name}.${k}`;
  });
}

class JsonLinesParser implements LineParser {
  rows = 0;
  readonly warnings: string[] = [];
  private cols = new Map<string, ColumnBuilder>();
  private bad = 0;
  private firstBad = 0;

  constructor(private readonly source: string) {}

  line(line: string, lineNo: number): boolean {
    if (line.trim() === '') return false;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      obj = undefined;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      this.bad++;
      this.firstBad ||= lineNo;
      return false;
    }
    const record = obj as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!this.cols.has(key)) {
        const b = new ColumnBuilder(key);
        for (let i = 0; i < this.rows; i++) b.pushMissing();
        this.cols.set(key, b);
      }
    }
    for (const [key, b] of this.cols) {
      const v = record[key];
      if (v === undefined || v === null) b.pushMissing();
      else if (typeof v === 'number') b.pushNumber(v);
      else if (typeof v === 'string') b.pushText(v);
      else if (typeof v === 'boolean') b.pushCategory(String(v));
      else b.pushCategory(JSON.stringify(v));
    }
    this.rows++;
    return true;
  }

  finish(): Table {
    if (this.bad) this.warnings.push(`${this.bad.toLocaleString('en-US')} lines are not JSON objects (first at line ${this.firstBad}); they were skipped.`);
    if (this.rows === 0) throw new KubeMLError('invalid', `${this.source} has no JSON object lines.`, 'Give a JSON Lines file: one JSON object per line.');
    return { source: this.source, rows: this.rows, columns: [...this.cols.values()].map((c) => c.build()), warnings: this.warnings };
  }
}
