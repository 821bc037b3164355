import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeMLError } from '../common/errors';
import { computeDrift, summarizeReference } from './engine';
import { fileByteSource, readParquet, readParquetFile } from './parquet';
import { readTableFile } from './readers';
import type { Column } from './table';

// Fixtures written by pyarrow: test/fixtures/drift/make_parquet.py.
const FIX = join(__dirname, '../../test/fixtures/drift');
const expected = JSON.parse(readFileSync(join(FIX, 'types.expected.json'), 'utf8')) as {
  rows: number;
  kinds: Record<string, string>;
  skipped: string[];
  values: Record<string, Array<number | string | null>>;
};

/** A column's values as JSON would have them: numbers (null for NaN) or category text (null for missing). */
function valuesOf(c: Column): Array<number | string | null> {
  if (c.kind === 'categorical') return Array.from(c.codes, (k) => (k < 0 ? null : c.categories[k]));
  return Array.from(c.values, (v) => (Number.isNaN(v) ? null : v));
}

describe('drift Parquet reader', () => {
  for (const file of ['types.parquet', 'types-zstd.parquet', 'types-gzip.parquet']) {
    it(`reads every column kind with the values pyarrow wrote (${file})`, async () => {
      const t = await readTableFile(join(FIX, file));
      assert.equal(t.rows, expected.rows);
      assert.deepEqual(Object.fromEntries(t.columns.map((c) => [c.name, c.kind])), expected.kinds);
      for (const c of t.columns) assert.deepEqual(valuesOf(c), expected.values[c.name], c.name);
      assert.deepEqual(
        t.warnings,
        expected.skipped.map((n) => `Column "${n}" is not read: it is nested (LIST).`),
      );
    });
  }

  it('keeps -0, 2^53 and 1e300 exactly', async () => {
    const t = await readParquetFile(join(FIX, 'types.parquet'));
    const f64 = t.columns.find((c) => c.name === 'f64')!;
    assert.ok(f64.kind === 'numeric');
    assert.ok(Object.is(f64.values[5], -0));
    assert.equal(f64.values[4], 1e300);
    const i64 = t.columns.find((c) => c.name === 'i64')!;
    assert.ok(i64.kind === 'numeric');
    assert.equal(i64.values[4], 2 ** 53);
  });

  it('stops at maxRows inside a row group and says so', async () => {
    const t = await readParquetFile(join(FIX, 'types.parquet'), { maxRows: 6 });
    assert.equal(t.rows, 6);
    const f = t.columns.find((c) => c.name === 'f32')!;
    assert.deepEqual(valuesOf(f), expected.values.f32.slice(0, 6));
    assert.match(t.warnings.join('\n'), /first 6 rows of types\.parquet/);
  });

  it('reads only the row groups it needs', async () => {
    const file = await fileByteSource(join(FIX, 'reference.parquet'));
    const { parquetMetadataAsync } = await import('hyparquet');
    const meta = await parquetMetadataAsync(file);
    // The first byte of the second row group: nothing at or after it is needed for its first 100 rows.
    const second = Math.min(
      ...meta.row_groups[1].columns.map((c) => Number(c.meta_data!.dictionary_page_offset ?? c.meta_data!.data_page_offset)),
    );
    const reads: Array<[number, number]> = [];
    const spy = {
      byteLength: file.byteLength,
      slice: (s: number, e?: number) => (reads.push([s, e ?? file.byteLength]), file.slice(s, e)),
    };
    try {
      const t = await readParquet(spy, 'reference.parquet', { maxRows: 100 });
      assert.equal(t.rows, 100);
      assert.deepEqual(
        t.columns.map((c) => c.kind),
        ['time', 'numeric', 'numeric', 'numeric', 'categorical'],
      );
    } finally {
      await file.close();
    }
    const data = reads.slice(1); // the first read is the footer (the whole of a small file)
    assert.ok(data.length > 0);
    for (const [s, e] of data) assert.ok(e <= second, `read ${s}-${e}, past the first row group (ends at ${second})`);
  });

  it('gives the same report as the same data in CSV', async () => {
    const [refCsv, curCsv, refPq, curPq] = await Promise.all(
      ['reference.csv', 'current.csv', 'reference.parquet', 'current.parquet'].map((f) => readTableFile(join(FIX, f))),
    );
    assert.deepEqual(
      refPq.columns.map((c) => [c.name, c.kind]),
      refCsv.columns.map((c) => [c.name, c.kind]),
    );
    const a = computeDrift(summarizeReference(refCsv), curCsv, { windows: { column: 'timestamp', every: 3_600_000 } });
    const b = computeDrift(summarizeReference(refPq), curPq, { windows: { column: 'timestamp', every: 3_600_000 } });
    assert.deepEqual(b.features, a.features);
    assert.deepEqual(b.windows, a.windows);
    assert.ok(a.windows.length > 1);
  });

  it('checks the row counts of the footer against each other and against the file size before allocating', async () => {
    // make_parquet.py: 300 rows of one double column, footer counts raised to 2e9.
    await assert.rejects(
      readParquetFile(join(FIX, 'claims-rows.parquet')),
      (e: unknown) => KubeMLError.is(e) && /claims 2,000,000,000 rows but its row groups hold 300/.test(e.message),
    );
    await assert.rejects(
      readParquetFile(join(FIX, 'claims-rows-all.parquet')),
      (e: unknown) => KubeMLError.is(e) && /row group 1 claims 2,000,000,000 rows.*column "x" has only \d+ bytes/.test(e.message),
    );
  });

  it('refuses a file that is not Parquet with a clear message', async () => {
    await assert.rejects(
      readParquetFile(join(FIX, 'reference.csv')),
      (e: unknown) => KubeMLError.is(e) && /not a readable Parquet file/.test(e.message),
    );
    await assert.rejects(readTableFile(join(FIX, 'nope.parquet')), /does not exist/);
  });
});
