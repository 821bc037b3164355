/** Columnar tables as the readers produce them and the engine consumes them. */

/** Numbers; NaN marks a missing value, +-Infinity is kept (the engine excludes and counts it). */
export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  readonly values: Float64Array;
}

/** Strings as codes into `categories`; -1 marks a missing value. */
export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

/** Timestamps (epoch milliseconds, NaN missing): used to cut windows, never compared. */
export interface TimeColumn {
  readonly name: string;
  readonly kind: 'time';
  readonly values: Float64Array;
}

export type Column = NumericColumn | CategoricalColumn | TimeColumn;

export interface Table {
  readonly source: string;
  readonly rows: number;
  readonly columns: readonly Column[];
  /** What the reader noticed: truncation, ragged rows, mixed types. */
  readonly warnings: readonly string[];
}

/**
 * What the readers take at most; beyond, they stop with an error that states the limit (or, for
 * categories, leave the column out with a warning). Memory stays proportional to the file.
 */
export const READ_LIMITS = {
  /** Columns of a file (CSV header, JSON keys, Parquet columns read). */
  columns: 10_000,
  /** Characters of one line, or of one CSV record whose quoted fields run over several lines. */
  lineChars: 8 * 1024 * 1024,
  /** Distinct values of one column of categories. */
  categories: 100_000,
  /** JSON Lines: values kept (rows x columns, missing ones included) per character of the file. */
  valuesPerChar: 8,
} as const;

/**
 * Column storage on shared memory: worker threads (parallel.ts) read it without a copy. Falls
 * back to ordinary memory where SharedArrayBuffer is missing.
 */
export function sharedFloat64(n: number): Float64Array {
  return typeof SharedArrayBuffer === 'function' ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
}

export function sharedInt32(n: number): Int32Array {
  return typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
}

/** A numeric column seen as categorical, for a feature whose kind differs between the two tables. */
export function numericAsCategorical(col: NumericColumn): CategoricalColumn {
  const index = new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(col.values.length);
  for (let i = 0; i < codes.length; i++) {
    const v = col.values[i];
    if (Number.isNaN(v)) {
      codes[i] = -1;
      continue;
    }
    const key = String(v);
    let c = index.get(key);
    if (c === undefined) {
      c = categories.length;
      categories.push(key);
      index.set(key, c);
    }
    codes[i] = c;
  }
  return { name: col.name, kind: 'categorical', codes, categories };
}
