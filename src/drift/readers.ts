/**
 * Streaming readers for CSV (and TSV) and JSON Lines, with column types inferred while
 * reading: numbers, ISO timestamps, else categories. Time and memory grow with the file, in one
 * pass (two in one case: a column of numbers that turns into categories is given its text from a
 * second reading, see columns.ts). Bad input has a defined outcome: an empty file or one without
 * data rows, an unclosed quote, a malformed JSON line or anything past READ_LIMITS is an error
 * that says where and what the limit is; ragged rows are padded or cut with a warning; files
 * longer than `maxRows` are cut with a warning; the delimiter of a CSV is found from its first
 * lines (comma, semicolon or tab) and named in a warning when it is not the extension's.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { basename, extname } from 'node:path';
import { KubeMLError } from '../common/errors';
import { ColumnBuilder } from './columns';
import { CsvRecords, DELIMITER_NAMES, LineSplitter, parseCsv, sniffDelimiter } from './csv';
import { readParquetFile } from './parquet';
import { READ_LIMITS, type Table } from './table';

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

type Chunks = Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
/**
 * Text to read: chunks of text or UTF-8 bytes, or a function that opens them. A function (or an
 * array) can be read a second time, which a column that turns into categories may need.
 */
export type TextSource = Chunks | (() => Chunks);

/** Characters looked at to find the delimiter of a CSV. */
const SNIFF_CHARS = 64 * 1024;
const fmt = (n: number) => n.toLocaleString('en-US');

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
  if (formatOf(path, options.format) === 'parquet')
    return readParquetFile(path, { ...options, maxRows: options.maxRows ?? DEFAULT_MAX_ROWS });
  try {
    await fs.access(path);
  } catch (e) {
    throw new KubeMLError('not-found', `Cannot read ${path}: the file does not exist or is not readable.`, 'Check the path.', undefined, {
      cause: e,
    });
  }
  return readTable(() => createReadStream(path, { highWaterMark: 1 << 20 }), path, options);
}

/** A parser fed with text. */
interface TextSink {
  /** False when it needs no more text. */
  push(text: string): boolean;
  end(): void;
}

/** Feeds decoded text to a sink until the chunks end or it asks no more (the stream is closed then). */
async function feed(chunks: Chunks, sink: TextSink, source: string, signal?: AbortSignal): Promise<void> {
  const decoder = new TextDecoder('utf-8'); // keeps characters cut between chunks; drops a BOM
  let first = true;
  for await (const chunk of chunks) {
    if (signal?.aborted) throw new KubeMLError('unknown', `Reading ${source} was cancelled.`);
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (!sink.push(text)) return;
  }
  const rest = decoder.decode();
  if (rest.length > 0 && !sink.push(rest)) return;
  sink.end();
}

/** Reads a table from any stream of text (a file, or the output of `cat` in a pod). */
export async function readTable(input: TextSource, source: string, options: ReadOptions = {}): Promise<Table> {
  const format = formatOf(source, options.format);
  if (format === 'parquet')
    throw new KubeMLError(
      'invalid',
      `${source} is Parquet, which needs random access, not a stream.`,
      'Read it with readParquet and a byte source.',
    );
  const open = typeof input === 'function' ? input : () => input;
  const again = typeof input === 'function' || Array.isArray(input);
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const parser = format === 'jsonl' ? new JsonLinesParser(source, maxRows) : new CsvParser(source, format === 'tsv' ? '\t' : ',', maxRows);
  await feed(open(), parser, source, options.signal);
  parser.check();
  const until = parser.columns().reduce((m, c) => Math.max(m, c.respellBefore), 0);
  if (until > 0 && again) await feed(open(), parser.replay(until), source, options.signal);
  for (const c of parser.columns()) {
    const n = c.respellFromValues();
    if (n > 0)
      parser.warnings.push(
        `Column "${c.name}" holds text, but ${n === 1 ? 'the value' : `the ${fmt(n)} values`} read before its first text ${n === 1 ? 'is written as a number' : 'are written as numbers'}, not as in the file: ${basename(source)} could not be read a second time.`,
      );
  }
  return parser.finish();
}

/** The fields of one CSV record; undefined when a quoted field is still open at the end. */
export function splitQuoted(line: string, delim: string): string[] | undefined {
  try {
    return parseCsv(line, delim)[0] ?? [''];
  } catch (e) {
    if (KubeMLError.is(e)) return undefined;
    throw e;
  }
}

/** Header names, made unique: a repeated name becomes name.k, with k chosen so as not to take a name the header has. */
export function columnNames(fields: readonly string[], warnings: string[]): string[] {
  const names = fields.map((f) => f.trim());
  const taken = new Set(names);
  const out: string[] = new Array(names.length);
  const renamed: string[] = [];
  const next = new Map<string, number>();
  const free = (base: string) => {
    let k = next.get(base) ?? 1;
    while (taken.has(`${base}.${k}`)) k++;
    next.set(base, k + 1);
    taken.add(`${base}.${k}`);
    return `${base}.${k}`;
  };
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '') return;
    if (!seen.has(name)) {
      seen.add(name);
      out[i] = name;
      return;
    }
    out[i] = free(name);
    renamed.push(`its copy in column ${fmt(i + 1)} is read as "${out[i]}"`);
    warnings.push(`The header names "${name}" more than once; ${renamed[renamed.length - 1]}.`);
  });
  names.forEach((name, i) => {
    if (name !== '') return;
    const base = `column_${i + 1}`;
    out[i] = seen.has(base) ? free(base) : base;
    seen.add(out[i]);
    taken.add(out[i]);
  });
  if (renamed.length > 5) {
    const extra = warnings.splice(warnings.length - renamed.length + 5);
    warnings.push(`${fmt(extra.length)} more header names repeat and were renamed the same way.`);
  }
  return out;
}

interface Parser extends TextSink {
  readonly warnings: string[];
  columns(): ColumnBuilder[];
  /** Errors that only the end of the text shows. */
  check(): void;
  /** A sink that reads the text again and gives the first `until` rows their text. */
  replay(until: number): TextSink;
  finish(): Table;
}

function tableOf(source: string, rows: number, cols: ColumnBuilder[], warnings: string[]): Table {
  const kept = cols.filter((c) => c.dropped === undefined);
  for (const c of cols) if (c.dropped !== undefined) warnings.push(c.dropped);
  return { source, rows, columns: kept.map((c) => c.build()), warnings };
}

class CsvParser implements Parser {
  rows = 0;
  readonly warnings: string[] = [];
  private sample: string[] | undefined = [];
  private sampled = 0;
  private lines?: LineSplitter;
  private records?: CsvRecords;
  private delim: string;
  private header?: string[];
  private cols: ColumnBuilder[] = [];
  private short = 0;
  private long = 0;
  private firstShort = 0;
  private firstLong = 0;
  private truncated = false;
  /** Second reading: rows before this get their text. */
  private until = -1;

  constructor(
    private readonly source: string,
    private readonly preferred: string,
    private readonly maxRows: number,
  ) {
    this.delim = preferred;
  }

  columns(): ColumnBuilder[] {
    return this.cols;
  }

  push(text: string): boolean {
    if (this.sample) {
      this.sample.push(text);
      this.sampled += text.length;
      return this.sampled < SNIFF_CHARS || this.start();
    }
    return this.lines!.push(text);
  }

  end(): void {
    if (this.sample && !this.start()) return;
    this.lines!.end();
    this.records!.end();
  }

  /** Finds the delimiter in the sample (first reading only), then reads on. */
  private start(): boolean {
    const text = this.sample!.join('');
    this.sample = undefined;
    if (this.until < 0) {
      this.delim = sniffDelimiter(text, this.preferred);
      if (this.delim !== this.preferred)
        this.warnings.push(
          `${basename(this.source)} is separated by ${DELIMITER_NAMES[this.delim]}, not ${DELIMITER_NAMES[this.preferred]}; it was read so.`,
        );
    }
    const records = new CsvRecords(this.source, this.delim, READ_LIMITS.lineChars, (f, line) =>
      this.until < 0 ? this.record(f, line) : this.again(f),
    );
    this.records = records;
    this.lines = new LineSplitter(this.source, READ_LIMITS.lineChars, (t, eol, line) => records.line(t, eol, line));
    return this.lines.push(text);
  }

  private record(fields: string[], line: number): boolean {
    if (!this.header) {
      if (fields.length === 1 && fields[0].trim() === '') return true;
      if (fields.length > READ_LIMITS.columns)
        throw new KubeMLError(
          'invalid',
          `${basename(this.source)} has ${fmt(fields.length)} columns; at most ${fmt(READ_LIMITS.columns)} are read.`,
          'Write the columns to compare into a smaller file.',
        );
      this.header = columnNames(fields, this.warnings);
      this.cols = this.header.map((h) => new ColumnBuilder(h));
      return true;
    }
    if (fields.length === 1 && fields[0] === '') return true;
    if (this.rows >= this.maxRows) {
      this.truncated = true;
      return false;
    }
    const cols = this.cols;
    const n = Math.min(fields.length, cols.length);
    for (let i = 0; i < n; i++) cols[i].pushText(fields[i]);
    for (let i = n; i < cols.length; i++) cols[i].pushMissing();
    if (fields.length < cols.length) {
      this.short++;
      this.firstShort ||= line;
    } else if (fields.length > cols.length) {
      this.long++;
      this.firstLong ||= line;
    }
    this.rows++;
    return true;
  }

  private againHeader = false;
  private againRow = 0;

  /** A record of the second reading. */
  private again(fields: string[]): boolean {
    if (fields.length === 1 && (this.againHeader ? fields[0] === '' : fields[0].trim() === '')) return true;
    if (!this.againHeader) {
      this.againHeader = true;
      return true;
    }
    const row = this.againRow++;
    if (row >= this.until) return false;
    const cols = this.cols;
    const n = Math.min(fields.length, cols.length);
    for (let i = 0; i < n; i++) if (row < cols[i].respellBefore) cols[i].respell(row, fields[i]);
    return true;
  }

  check(): void {
    if (!this.header)
      throw new KubeMLError('invalid', `${this.source} is empty.`, 'Give a CSV file with a header row and at least one data row.');
    if (this.rows === 0)
      throw new KubeMLError('invalid', `${this.source} has a header but no data rows.`, 'Give a file with at least one data row.');
  }

  replay(until: number): TextSink {
    this.until = until;
    this.sample = [];
    this.sampled = 0;
    return this;
  }

  finish(): Table {
    if (this.truncated)
      this.warnings.push(`Read only the first ${fmt(this.maxRows)} rows of ${basename(this.source)}; the rest was not compared.`);
    if (this.short)
      this.warnings.push(
        `${fmt(this.short)} rows have fewer fields than the header (first at line ${fmt(this.firstShort)}); the missing fields count as missing values.`,
      );
    if (this.long)
      this.warnings.push(
        `${fmt(this.long)} rows have more fields than the header (first at line ${fmt(this.firstLong)}); the extra fields were ignored.`,
      );
    return tableOf(this.source, this.rows, this.cols, this.warnings);
  }
}

/** How a JSON value of a row is spelt as a category. */
function spelling(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

class JsonLinesParser implements Parser {
  rows = 0;
  readonly warnings: string[] = [];
  private cols = new Map<string, ColumnBuilder>();
  private builders: ColumnBuilder[] = [];
  private chars = 0;
  private truncated = false;
  private lines: LineSplitter;
  private until = -1;
  private againRow = 0;

  constructor(
    private readonly source: string,
    private readonly maxRows: number,
  ) {
    this.lines = this.splitter();
  }

  private splitter(): LineSplitter {
    return new LineSplitter(this.source, READ_LIMITS.lineChars, (text, _eol, line) => this.line(text, line));
  }

  columns(): ColumnBuilder[] {
    return [...this.cols.values()];
  }

  push(text: string): boolean {
    this.chars += text.length;
    return this.lines.push(text);
  }

  end(): void {
    this.lines.end();
  }

  private parse(text: string, line: number): Record<string, unknown> {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new KubeMLError(
        'invalid',
        `${basename(this.source)}: line ${fmt(line)} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`,
        'Each line of a JSON Lines file must be one JSON object; fix or remove that line.',
      );
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      const what = obj === null ? 'null' : Array.isArray(obj) ? 'JSON array' : `JSON ${typeof obj}`;
      throw new KubeMLError(
        'invalid',
        `${basename(this.source)}: line ${fmt(line)} is a ${what}, not an object.`,
        'Each line of a JSON Lines file must be one JSON object, such as {"age": 31, "city": "rome"}.',
      );
    }
    return obj as Record<string, unknown>;
  }

  private line(text: string, line: number): boolean {
    if (text.trim() === '') return true;
    if (this.until >= 0) return this.again(this.parse(text, line));
    if (this.rows >= this.maxRows) {
      this.truncated = true;
      return false;
    }
    const record = this.parse(text, line);
    for (const key in record) {
      if (this.cols.has(key)) continue;
      if (this.cols.size >= READ_LIMITS.columns)
        throw new KubeMLError(
          'invalid',
          `${basename(this.source)} has more than ${fmt(READ_LIMITS.columns)} keys (line ${fmt(line)}); at most ${fmt(READ_LIMITS.columns)} columns are read.`,
          'Write the keys to compare into a smaller file.',
        );
      const b = new ColumnBuilder(key);
      for (let i = 0; i < this.rows; i++) b.pushMissing();
      this.cols.set(key, b);
      this.builders.push(b);
    }
    const values = this.cols.size * (this.rows + 1);
    const budget = READ_LIMITS.valuesPerChar * this.chars + (1 << 20);
    if (values > budget) {
      throw new KubeMLError(
        'invalid',
        `${basename(this.source)}: its lines share few keys: ${fmt(this.cols.size)} keys over ${fmt(this.rows + 1)} lines (to line ${fmt(line)}) would keep ${fmt(values)} values, most of them missing, for ${fmt(this.chars)} characters read; at most ${READ_LIMITS.valuesPerChar} values per character of the file (plus ${fmt(1 << 20)}) are kept.`,
        'Give a file whose lines have mostly the same keys.',
      );
    }
    // The keys of the line, then missing values for the others (no lookups of absent keys).
    for (const key in record) {
      const b = this.cols.get(key)!;
      const v = record[key];
      if (v === undefined || v === null) b.pushMissing();
      else if (typeof v === 'number') b.pushNumber(v);
      else if (typeof v === 'string') b.pushText(v);
      else b.pushCategory(spelling(v)!);
    }
    const builders = this.builders;
    for (let i = 0; i < builders.length; i++) if (builders[i].length === this.rows) builders[i].pushMissing();
    this.rows++;
    return true;
  }

  private again(record: Record<string, unknown>): boolean {
    const row = this.againRow++;
    if (row >= this.until) return false;
    for (const [key, b] of this.cols) {
      if (row >= b.respellBefore) continue;
      const s = spelling(record[key]);
      if (s !== undefined) b.respell(row, s);
    }
    return true;
  }

  check(): void {
    if (this.rows === 0)
      throw new KubeMLError('invalid', `${this.source} has no JSON object lines.`, 'Give a JSON Lines file: one JSON object per line.');
  }

  replay(until: number): TextSink {
    this.until = until;
    this.lines = this.splitter();
    return this;
  }

  finish(): Table {
    if (this.truncated)
      this.warnings.push(`Read only the first ${fmt(this.maxRows)} rows of ${basename(this.source)}; the rest was not compared.`);
    return tableOf(this.source, this.rows, this.columns(), this.warnings);
  }
}
