/** Builds one column while a file streams in, inferring its type from the values seen. */
import { sharedFloat64, sharedInt32, type Column } from './table';

const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'Null', 'None', 'none', '#N/A', '-nan']);
const INFINITIES = new Map([['inf', Infinity], ['Inf', Infinity], ['INF', Infinity], ['+inf', Infinity], ['Infinity', Infinity], ['+Infinity', Infinity], ['-inf', -Infinity], ['-Inf', -Infinity], ['-INF', -Infinity], ['-Infinity', -Infinity]]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMBER_START = /^\s*[-+]?(?:\d|\.\d)/;

function parseNumber(s: string): number {
  const v = +s;
  if (v === v && NUMBER_START.test(s) && !/[xXoObB]/.test(s)) return v;
  return INFINITIES.get(s.trim()) ?? NaN;
}

export class ColumnBuilder {
  kind: 'unknown' | 'numeric' | 'time' | 'categorical' = 'unknown';
  private nums = new Float64Array(1024);
  private codes = new Int32Array(0);
  private categories: string[] = [];
  private index = new Map<string, number>();
  length = 0;

  constructor(readonly name: string) {}

  private growNums(): void {
    if (this.length === this.nums.length) {
      const next = new Float64Array(this.nums.length * 2);
      next.set(this.nums);
      this.nums = next;
    }
  }

  private growCodes(): void {
    if (this.length >= this.codes.length) {
      const next = new Int32Array(Math.max(1024, this.codes.length * 2));
      next.set(this.codes);
      this.codes = next;
    }
  }

  pushMissing(): void {
    if (this.kind === 'categorical') {
      this.growCodes();
      this.codes[this.length++] = -1;
    } else {
      this.growNums();
      this.nums[this.length++] = NaN;
    }
  }

  /** A value as text (CSV): missing tokens, numbers, ISO timestamps, else a category. */
  pushText(s: string): void {
    if (MISSING.has(s)) return this.pushMissing();
    if (this.kind === 'categorical') return this.pushCategory(s);
    if (this.kind !== 'time') {
      const v = parseNumber(s);
      if (!Number.isNaN(v)) return this.pushNumber(v);
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
    if (this.kind !== 'categorical') this.toCategorical();
    this.growCodes();
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.categories.length;
      this.categories.push(s);
      this.index.set(s, c);
    }
    this.codes[this.length++] = c;
  }

  /** Values already read as numbers or times become categories, written as text. */
  private toCategorical(): void {
    const wasTime = this.kind === 'time';
    this.kind = 'categorical';
    const n = this.length;
    const nums = this.nums;
    this.length = 0;
    this.codes = new Int32Array(Math.max(1024, nums.length));
    for (let i = 0; i < n; i++) {
      const v = nums[i];
      if (Number.isNaN(v)) {
        this.codes[this.length++] = -1;
      } else {
        this.pushCategory(wasTime ? new Date(v).toISOString() : String(v));
      }
    }
    this.nums = new Float64Array(0);
  }

  build(): Column {
    if (this.kind === 'categorical') {
      const codes = sharedInt32(this.length);
      codes.set(this.codes.subarray(0, this.length));
      return { name: this.name, kind: 'categorical', codes, categories: this.categories };
    }
    const values = sharedFloat64(this.length);
    values.set(this.nums.subarray(0, this.length));
    return this.kind === 'time' ? { name: this.name, kind: 'time', values } : { name: this.name, kind: 'numeric', values };
  }
}
