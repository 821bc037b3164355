/**
 * Builds one column while a file streams in, inferring its type from the values seen.
 *
 * A column of numbers (or dates) that meets a text turns into categories. The values read before
 * that point are numbers by then, and their spelling is gone ("1.50" is 1.5): they are marked
 * as waiting for it (`respellBefore` rows) and the reader reads those rows a second time to give
 * each its text (`respell`), so the categories are the same whatever the order of the rows.
 * Where the text cannot be read again, `respellFromValues` writes them as numbers and says so.
 */
import { READ_LIMITS, sharedFloat64, sharedInt32, type Column } from './table';

const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'Null', 'None', 'none', '#N/A', '-nan']);
const INFINITIES = new Map([
  ['inf', Infinity],
  ['Inf', Infinity],
  ['INF', Infinity],
  ['+inf', Infinity],
  ['Infinity', Infinity],
  ['+Infinity', Infinity],
  ['-inf', -Infinity],
  ['-Inf', -Infinity],
  ['-INF', -Infinity],
  ['-Infinity', -Infinity],
]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMBER_START = /^\s*[-+]?(?:\d|\.\d)/;
/** A code for a value read before the column became categorical, whose text is still to come. */
const PENDING = -2;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** A decimal number (not hex, octal or binary, which `+s` also reads), else NaN. */
export function parseNumber(s: string): number {
  const c = s.charCodeAt(0);
  // The usual case first: a digit, or a sign or point and a digit.
  if (isDigit(c)) {
    const c1 = s.charCodeAt(1);
    if (c !== 48 || !(c1 === 120 || c1 === 88 || c1 === 111 || c1 === 79 || c1 === 98 || c1 === 66)) return +s;
    return NaN;
  }
  if ((c === 45 || c === 43 || c === 46) && (isDigit(s.charCodeAt(1)) || (c !== 46 && s.charCodeAt(1) === 46 && isDigit(s.charCodeAt(2)))))
    return +s; // NaN for "-0x1"
  const v = +s;
  if (v === v && NUMBER_START.test(s) && !/[xXoObB]/.test(s)) return v;
  return INFINITIES.get(s.trim()) ?? NaN;
}

/** A copy of a string that does not keep the chunk it was cut from alive (V8 slices share their parent). */
function own(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

export class ColumnBuilder {
  kind: 'unknown' | 'numeric' | 'time' | 'categorical' = 'unknown';
  private nums = new Float64Array(0);
  private codes = new Int32Array(0);
  private categories: string[] = [];
  private index = new Map<string, number>();
  length = 0;
  /** Rows before this one still wait for their text (see the file comment). */
  respellBefore = 0;
  /** The values of those rows, until they have their text. */
  private before?: { values: Float64Array; time: boolean };
  /** Set when the column has more distinct values than `maxCategories`: it is no longer kept. */
  dropped?: string;

  constructor(
    readonly name: string,
    private readonly maxCategories = READ_LIMITS.categories,
  ) {}

  private growNums(): void {
    if (this.length === this.nums.length) {
      const next = new Float64Array(Math.max(256, this.nums.length * 2));
      next.set(this.nums);
      this.nums = next;
    }
  }

  private growCodes(): void {
    if (this.length >= this.codes.length) {
      const next = new Int32Array(Math.max(256, this.codes.length * 2));
      next.set(this.codes);
      this.codes = next;
    }
  }

  pushMissing(): void {
    if (this.dropped !== undefined) {
      this.length++;
    } else if (this.kind === 'categorical') {
      this.growCodes();
      this.codes[this.length++] = -1;
    } else {
      this.growNums();
      this.nums[this.length++] = NaN;
    }
  }

  /** A value as text (CSV): missing tokens, numbers, ISO timestamps, else a category. */
  pushText(s: string): void {
    const c = s.charCodeAt(0);
    if (!isDigit(c) && MISSING.has(s)) return this.pushMissing();
    if (this.kind === 'categorical' || this.dropped !== undefined) return this.pushCategory(s);
    if (this.kind !== 'time') {
      const v = parseNumber(s);
      if (v === v) return this.pushNumber(v);
    }
    if (this.kind !== 'numeric' && ISO_DATE.test(s.trim())) {
      const t = Date.parse(s.trim().replace(' ', 'T'));
      if (!Number.isNaN(t)) {
        this.kind = 'time';
        this.growNums();
        this.nums[this.length++] = t;
        return;
      }
    }
    this.pushCategory(s);
  }

  pushNumber(v: number): void {
    if (this.kind === 'unknown') this.kind = 'numeric';
    if (this.kind === 'numeric') {
      this.growNums();
      this.nums[this.length++] = v;
    } else {
      this.pushCategory(String(v));
    }
  }

  pushCategory(s: string): void {
    if (this.dropped !== undefined) {
      this.length++;
      return;
    }
    if (this.kind !== 'categorical') this.toCategorical();
    this.growCodes();
    this.codes[this.length] = this.code(s);
    this.length++;
  }

  private code(s: string): number {
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.categories.length;
      if (c >= this.maxCategories) {
        this.drop();
        return -1;
      }
      s = own(s);
      this.categories.push(s);
      this.index.set(s, c);
    }
    return c;
  }

  private drop(): void {
    this.dropped = `Column "${this.name}" has more than ${this.maxCategories.toLocaleString('en-US')} distinct values, the most a column of categories may have; it is not compared.`;
    this.nums = new Float64Array(0);
    this.codes = new Int32Array(0);
    this.categories = [];
    this.index = new Map();
    this.respellBefore = 0;
    this.before = undefined;
  }

  /** Values already read as numbers or times wait for their text; missing ones stay missing. */
  private toCategorical(): void {
    const time = this.kind === 'time';
    this.kind = 'categorical';
    const n = this.length;
    const nums = this.nums;
    this.codes = new Int32Array(Math.max(256, nums.length));
    for (let i = 0; i < n; i++) this.codes[i] = Number.isNaN(nums[i]) ? -1 : PENDING;
    this.respellBefore = n;
    this.before = n > 0 ? { values: nums.subarray(0, n), time } : undefined;
    this.nums = new Float64Array(0);
  }

  /** The text of row `row`, read a second time, for a value that waits for it. */
  respell(row: number, text: string): void {
    if (this.dropped !== undefined || row >= this.respellBefore || this.codes[row] !== PENDING) return;
    this.codes[row] = this.code(text);
  }

  /** After the second reading (or instead of it): rows still waiting are written as numbers (times in ISO form). Returns how many. */
  respellFromValues(): number {
    let n = 0;
    const before = this.before;
    for (let row = 0; row < this.respellBefore && before && this.dropped === undefined; row++) {
      if (this.codes[row] !== PENDING) continue;
      const v = before.values[row];
      this.codes[row] = this.code(before.time ? new Date(v).toISOString() : String(v));
      n++;
    }
    this.respellBefore = 0;
    this.before = undefined;
    return n;
  }

  build(): Column {
    if (this.dropped !== undefined) throw new Error(`column ${this.name} was dropped`);
    if (this.kind === 'categorical') {
      const codes = sharedInt32(this.length);
      codes.set(this.codes.subarray(0, this.length));
      for (let i = 0; i < this.respellBefore; i++)
        if (codes[i] === PENDING) throw new Error(`row ${i} of column ${this.name} was never given its text`);
      return { name: this.name, kind: 'categorical', codes, categories: this.categories };
    }
    const values = sharedFloat64(this.length);
    values.set(this.nums.subarray(0, this.length));
    return this.kind === 'time' ? { name: this.name, kind: 'time', values } : { name: this.name, kind: 'numeric', values };
  }
}
