/**
 * Lines and CSV records from a stream of text, in one pass: each character is looked at a bounded
 * number of times, whatever the line endings (LF, CRLF, CR, even mixed), the quoting or where the
 * chunks are cut, and nothing longer than `maxChars` is ever kept (a line, or a record whose quoted
 * fields run over several lines). Quoting follows RFC 4180: a field that starts with `"` runs to
 * the next lone `"`, `""` inside it is one `"`, delimiters and line breaks inside it are kept as
 * written; text between a closing quote and the next delimiter is kept too, and a `"` inside an
 * unquoted field is an ordinary character.
 *
 * Why our own parser and not a library: measured against csv-parse 7.0.3 and Papa Parse 5.7.1
 * (installed in a scratch folder under /tmp, not dependencies), on the same file: the drift bench's
 * data written as CSV, 1,000,000 rows x 20 doubles (371 MB), read from disk in 1 MB chunks, every
 * field through the same ColumnBuilder.pushText; one process per run, runs interleaved, on the
 * 2 shared cores of the dev machine (load average 5 to 11 from other work, so CPU time is given
 * beside wall time). Medians:
 *
 *   whole read (file to columns)   ours 5.7 s CPU / 7.3 s wall (5 runs)
 *                                  Papa Parse (chunk mode) 6.5 s CPU / 10.3 s wall (5 runs)
 *                                  csv-parse (stream) 20.8 s CPU / 69.4 s wall (3 runs)
 *   records only (no columns)      ours 2.6 s CPU, Papa Parse 2.4 s CPU (3 runs each)
 *
 * So ours is about 10% cheaper than Papa Parse on the whole read and no faster at splitting
 * records (an earlier series of 3 runs under heavier load even had Papa ahead in wall time, 15.5 s
 * against 21.3 s); csv-parse is 3.6 times the CPU. Speed alone would not keep this parser. What
 * keeps it is what the libraries lack for this job: Papa Parse's streaming parses a record that
 * spans chunks again from its start with each chunk (one line of 10, 20 and 40 MB: 0.15, 0.5 and
 * 1.8 s, quadratic), keeps it whole without a limit, and reports an unclosed quote by row and
 * character index within a chunk, not by line; csv-parse is linear and names lines, at 3.6 times
 * the CPU. Ours is linear, bounds every line and record (READ_LIMITS), names lines, and is checked
 * against csv-parse's records on the edge cases of its suite (csv.test.ts, csv-cases.json).
 */
import { basename } from 'node:path';
import { KubeMLError } from '../common/errors';

const fmt = (n: number) => n.toLocaleString('en-US');

function lineTooLong(source: string, line: number, max: number): KubeMLError {
  return new KubeMLError(
    'invalid',
    `${basename(source)}: line ${fmt(line)} is longer than ${fmt(max)} characters, the most a line may have.`,
    'Check that the file is text with line breaks (CSV, TSV or JSON Lines), not one huge record.',
  );
}

/** Splits text into lines at LF, CRLF or CR; hands each to `onLine` with its line break ('' for the last line without one). */
export class LineSplitter {
  /** Number of the last line handed out (1-based). */
  line = 0;
  private parts: string[] = [];
  private partsLength = 0;
  /** The kept text ends with a CR: an LF at the start of the next chunk belongs to it. */
  private pendingCR = false;
  private stopped = false;

  constructor(
    private readonly source: string,
    private readonly maxChars: number,
    /** Returns false to stop (no more lines are handed out). */
    private readonly onLine: (text: string, eol: string, line: number) => boolean,
  ) {}

  /** Feeds text; false once `onLine` has asked to stop. */
  push(s: string): boolean {
    if (this.stopped) return false;
    const n = s.length;
    if (n === 0) return true;
    let pos = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      const crlf = s.charCodeAt(0) === 10;
      if (!this.emit(this.take(''), crlf ? '\r\n' : '\r')) return false;
      if (crlf) pos = 1;
    }
    let lf = s.indexOf('\n', pos);
    let cr = s.indexOf('\r', pos);
    for (;;) {
      // Each search starts where the last one ended: linear however the line breaks mix.
      if (lf >= 0 && lf < pos) lf = s.indexOf('\n', pos);
      if (cr >= 0 && cr < pos) cr = s.indexOf('\r', pos);
      const end = lf < 0 ? cr : cr < 0 ? lf : lf < cr ? lf : cr;
      if (end < 0) {
        this.keep(s, pos, n);
        return true;
      }
      let eol = '\n';
      if (end === cr) {
        if (end + 1 === n) {
          this.keep(s, pos, end);
          this.pendingCR = true;
          return true;
        }
        eol = s.charCodeAt(end + 1) === 10 ? '\r\n' : '\r';
      }
      if (this.partsLength + end - pos > this.maxChars) throw lineTooLong(this.source, this.line + 1, this.maxChars);
      const text = this.partsLength > 0 || this.parts.length > 0 ? this.take(s.slice(pos, end)) : s.slice(pos, end);
      if (!this.emit(text, eol)) return false;
      pos = end + eol.length;
    }
  }

  /** The last line, if the text does not end with a line break. */
  end(): void {
    if (this.stopped) return;
    if (this.pendingCR) {
      this.pendingCR = false;
      this.emit(this.take(''), '\r');
    } else if (this.parts.length > 0) {
      this.emit(this.take(''), '');
    }
  }

  private emit(text: string, eol: string): boolean {
    this.line++;
    if (this.onLine(text, eol, this.line)) return true;
    this.stopped = true;
    return false;
  }

  private keep(s: string, from: number, to: number): void {
    if (to <= from) return;
    this.partsLength += to - from;
    if (this.partsLength > this.maxChars) throw lineTooLong(this.source, this.line + 1, this.maxChars);
    this.parts.push(s.slice(from, to));
  }

  private take(last: string): string {
    this.parts.push(last);
    const text = this.parts.join('');
    this.parts = [];
    this.partsLength = 0;
    return text;
  }
}

/** Turns lines into CSV records; a quoted field may run over several lines. */
export class CsvRecords {
  private open = false;
  private fields: string[] = [];
  private field: string[] = [];
  private recordLine = 0;
  private quoteLine = 0;
  private recordChars = 0;

  constructor(
    private readonly source: string,
    private readonly delim: string,
    private readonly maxChars: number,
    /** A record and the line it starts on; returns false to stop. A blank line is `['']`. */
    private readonly onRecord: (fields: string[], line: number) => boolean,
  ) {}

  /** One line of text (without its break) as LineSplitter hands it out. */
  line(text: string, eol: string, line: number): boolean {
    if (this.open) {
      this.recordChars += text.length + eol.length;
      if (this.recordChars > this.maxChars)
        throw this.unclosed(`it runs past ${fmt(this.maxChars)} characters, the most a record may have`);
      const at = this.inQuote(text, 0, eol);
      return at < 0 ? true : this.afterQuote(text, at, eol, line);
    }
    this.recordLine = line;
    if (text.indexOf('"') < 0) return this.onRecord(text.split(this.delim), line);
    this.recordChars = text.length + eol.length;
    return this.fieldsFrom(text, 0, eol, line);
  }

  /** At the end of the text: a quote still open is an error. */
  end(): void {
    if (this.open) throw this.unclosed('the file ends inside it');
  }

  private unclosed(why: string): KubeMLError {
    return new KubeMLError(
      'invalid',
      `${basename(this.source)}: the quote that opens on line ${fmt(this.quoteLine)} is never closed (${why}).`,
      'Close the quoted field with a ", or write a " inside a quoted field as "".',
    );
  }

  /** Fields from position `i` (the start of a field) to the end of the line. */
  private fieldsFrom(text: string, i: number, eol: string, line: number): boolean {
    const d = this.delim;
    for (;;) {
      if (text.charCodeAt(i) === 34) {
        this.quoteLine = line;
        const at = this.inQuote(text, i + 1, eol);
        return at < 0 ? true : this.afterQuote(text, at, eol, line);
      }
      const e = text.indexOf(d, i);
      if (e < 0) {
        this.fields.push(text.slice(i));
        return this.finish();
      }
      this.fields.push(text.slice(i, e));
      i = e + 1;
    }
  }

  /** Inside a quoted field from `i`: the position after its closing quote, or -1 when it goes on over the next line. */
  private inQuote(text: string, i: number, eol: string): number {
    for (;;) {
      const q = text.indexOf('"', i);
      if (q < 0) {
        this.field.push(text.slice(i), eol);
        this.open = true;
        return -1;
      }
      if (text.charCodeAt(q + 1) === 34) {
        this.field.push(text.slice(i, q + 1));
        i = q + 2;
        continue;
      }
      this.field.push(text.slice(i, q));
      this.open = false;
      return q + 1;
    }
  }

  /** After a closing quote: the rest of the field up to the next delimiter, then the following fields. */
  private afterQuote(text: string, i: number, eol: string, line: number): boolean {
    const e = text.indexOf(this.delim, i);
    this.field.push(e < 0 ? text.slice(i) : text.slice(i, e));
    this.fields.push(this.field.join(''));
    this.field = [];
    if (e < 0) return this.finish();
    return this.fieldsFrom(text, e + 1, eol, line);
  }

  private finish(): boolean {
    const fields = this.fields;
    this.fields = [];
    return this.onRecord(fields, this.recordLine);
  }
}

export const DELIMITER_NAMES: Record<string, string> = { ',': 'commas', ';': 'semicolons', '\t': 'tabs' };

/**
 * The delimiter of a CSV from its first records (a sample of the text): of comma, semicolon
 * and tab, the one found the same number of times in every sampled record, the most often;
 * else the one most often in the header. `preferred` (the extension's) wins ties and is the
 * answer when none is found.
 */
export function sniffDelimiter(sample: string, preferred: string): string {
  const candidates = [preferred, ...Object.keys(DELIMITER_NAMES).filter((c) => c !== preferred)];
  const records: Array<Record<string, number>> = [];
  let counts: Record<string, number> = {};
  let quoted = false;
  let blank = true;
  for (let i = 0; i < sample.length && records.length < 20; i++) {
    const c = sample[i];
    if (c === '"') quoted = !quoted;
    if (quoted) continue;
    if (c === '\n' || c === '\r') {
      if (!blank) records.push(counts);
      counts = {};
      blank = true;
      continue;
    }
    if (c !== ' ') blank = false;
    if (c in DELIMITER_NAMES) counts[c] = (counts[c] ?? 0) + 1;
  }
  if (records.length === 0 && !blank) records.push(counts);
  if (records.length === 0) return preferred;
  let best = preferred;
  let bestScore = 0;
  for (const c of candidates) {
    const inHeader = records[0][c] ?? 0;
    if (inHeader === 0) continue;
    const consistent = records.every((r) => (r[c] ?? 0) === inHeader);
    const score = (consistent ? 1e9 : 0) + inHeader;
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/** Every record of a whole text (for tests and small inputs). */
export function parseCsv(text: string, delim = ',', maxChars = Number.MAX_SAFE_INTEGER): string[][] {
  const out: string[][] = [];
  const records = new CsvRecords('text', delim, maxChars, (f) => (out.push(f), true));
  const lines = new LineSplitter('text', maxChars, (t, eol, n) => records.line(t, eol, n));
  lines.push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  lines.end();
  records.end();
  return out;
}
