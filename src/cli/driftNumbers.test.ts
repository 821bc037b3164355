/**
 * `kubeml drift` gives the right numbers from files: a sparse column, chi-square with bins
 * empty in both samples (scipy's figures from test/fixtures/drift/scipy-property.json), the
 * 'not computed' state in the text table, and the same report whatever the order of the rows.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { compareNumeric, computeDrift, summarizeReference } from '../drift/engine';
import { numericReference, numericSample } from '../drift/summary';
import type { DriftReport } from '../model/driftReport';
import { driftMain, formatReport } from './drift';

type Cell = number | null | 'inf' | '-inf';
interface Case {
  name: string;
  reference: Cell[] | { rows: number; at: Array<[number, Cell]> };
  current: Cell[] | { rows: number; at: Array<[number, Cell]> };
  ks?: { statistic: number; pvalue: number };
  chi2?: { statistic: number | 'inf'; pvalue: number };
}
const fx = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/drift/scipy-property.json'), 'utf8')) as {
  numeric: Case[];
  chi2Binned: Case[];
};
const find = (list: Case[], name: string): Case => list.find((c) => c.name === name) ?? assert.fail(`no fixture "${name}"`);

/** A fixture column as CSV cells: empty for a missing value, inf and -inf, numbers as JavaScript writes them (they read back exactly). */
function cells(e: Case['reference']): string[] {
  const text = (c: Cell) => (c === null ? '' : String(c));
  if (Array.isArray(e)) return e.map(text);
  const out = new Array<string>(e.rows).fill('');
  for (const [i, c] of e.at) out[i] = text(c);
  return out;
}

async function run(args: string[]): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await driftMain(args, out);
  return { code, text: Buffer.concat(chunks).toString('utf8') };
}

describe('kubeml drift (command line): the numbers', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kubeml-drift-numbers-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** A CSV file of the columns (an id column first, so that no row is blank). */
  const csv = (name: string, cols: Record<string, string[]>): string => {
    const names = Object.keys(cols);
    const rows = cols[names[0]].map((_, i) => [String(i), ...names.map((n) => cols[n][i])].join(','));
    const p = join(dir, name);
    writeFileSync(p, `id,${names.join(',')}\n${rows.join('\n')}\n`);
    return p;
  };

  it('a sparse column (one 7.25 in 3,000 rows) against the same value: KS 0 as scipy, no drift, and "every value is 7.25"', async () => {
    const c = find(fx.numeric, 'sparse 3000 rows against the same value in a short column');
    const ref = csv('sparse-ref.csv', { x: cells(c.reference) });
    const cur = csv('sparse-cur.csv', { x: cells(c.current) });
    const { code, text } = await run([ref, cur, '--method', 'ks', '--features', 'x']);
    assert.equal(code, 0, text);
    assert.match(text, /^x\s+num\s+ks\s+1\.0000\s+0\.05\s+ok\s+0\.0000\s+1\.0000/m, text);
    assert.match(text, /every value is 7\.25/);
    assert.doesNotMatch(text, /every value is 0\b/);
    const json = JSON.parse((await run([ref, cur, '--method', 'ks', '--features', 'x', '--json'])).text) as DriftReport;
    assert.equal(json.features[0].stats.ks!.statistic, c.ks!.statistic, 'KS statistic (scipy)');
    assert.equal(json.features[0].stats.ks!.pValue, c.ks!.pvalue, 'KS p-value (scipy)');
  });

  describe('--method chi2 with bins empty in both samples: the p-value of scipy.stats.chisquare on the bins that hold values, never NaN', () => {
    for (const [name, verdict] of [
      ['ties at the minimum, current shifted up', 'DRIFT'],
      ['ties at both ends: the first bin is empty in both', 'ok'],
    ] as const) {
      it(`${name}: ${verdict}`, async () => {
        const c = find(fx.chi2Binned, name);
        const ref = csv(`chi-ref-${verdict}.csv`, { x: cells(c.reference) });
        const cur = csv(`chi-cur-${verdict}.csv`, { x: cells(c.current) });
        const { code, text } = await run([ref, cur, '--method', 'chi2', '--features', 'x']);
        assert.equal(code, 0, text);
        assert.doesNotMatch(text, /NaN/);
        assert.match(text, new RegExp(`^x\\s+num\\s+chi2\\s+\\S+\\s+0\\.05\\s+${verdict}\\s`, 'm'), text);
        const f = (JSON.parse((await run([ref, cur, '--method', 'chi2', '--features', 'x', '--json'])).text) as DriftReport).features[0];
        const p = f.stats.chi2!.pValue;
        assert.ok(
          typeof p === 'number' && Math.abs(p - c.chi2!.pvalue) <= 1e-9 * c.chi2!.pvalue,
          `p-value ${p} vs scipy ${c.chi2!.pvalue}`,
        );
        assert.equal(f.score, p);
      });
    }
  });

  it('shows a test that could not be computed as NOT COMPUTED, its statistic as n/c, the count in the summary and the reason under warnings', () => {
    // Real files no longer give a NaN; a reference summary with a NaN standard deviation does.
    const values = Float64Array.from({ length: 50 }, (_, i) => i);
    const r = computeDrift(
      summarizeReference({ source: 'r.csv', rows: 50, columns: [{ name: 'a', kind: 'numeric', values }], warnings: [] }),
      { source: 'c.csv', rows: 50, columns: [{ name: 'a', kind: 'numeric', values: values.map((v) => v + 30) }], warnings: [] },
    );
    const broken = { ...numericReference({ name: 'w', kind: 'numeric', values }, 10), std: NaN };
    const f = compareNumeric(broken, numericSample({ name: 'w', kind: 'numeric', values }), { ...r.thresholds, method: 'wasserstein' });
    const text = formatReport({ ...r, features: [...r.features, f] });
    assert.match(text, /^1 of 1 features drifted \(100\.0%\); 1 without a verdict \(not computed, see the warnings\)/m, text);
    assert.match(text, /^w\s+num\s+wasserstein\s+n\/c\s+0\.10\s+NOT COMPUTED\s+0\.0000\s+1\.0000\s+n\/c\s/m, text);
    assert.match(
      text,
      /- w: no verdict: the normed Wasserstein distance came out as NaN \(not a number\) on this data\. Another test may work: --method/,
    );
    assert.doesNotMatch(text.slice(0, text.indexOf('warnings:')), /NaN/, 'no NaN in the table');
  });

  it('gives the same report for the same rows in another order (numeric, sparse, tied, categorical and mixed columns; windows of a time column)', async () => {
    let s = 5;
    const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
    const make = (rows: number, shift: number) =>
      Array.from({ length: rows }, () => [
        (shift + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())).toString(),
        u() < 0.001 ? '7.25' : u() < 0.01 ? 'inf' : '',
        String(Math.floor(u() * (3 + shift))),
        ['red', 'green', 'blue', ''][Math.floor(u() * 4)],
        // Text among numbers written as JavaScript writes them (how a number's spelling survives is the readers' test).
        ['1', '2.5', '-3', shift ? 'unknown' : '4', ''][Math.floor(u() * 5)],
        ['0', '-0', '1e-320', '1e300', ''][Math.floor(u() * 5)],
        // Up to 6 hours of timestamps, a few missing.
        u() < 0.02 ? '' : new Date(Date.UTC(2025, 0, 1) + Math.floor(u() * 6 * 3_600_000)).toISOString(),
      ]);
    const write = (name: string, rows: string[][]) => {
      const p = join(dir, name);
      writeFileSync(p, `normal,sparse,ties,color,mixed,extremes,ts\n${rows.map((r) => r.join(',')).join('\n')}\n`);
      return p;
    };
    const shuffle = (rows: string[][]) => {
      const out = rows.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(u() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    };
    const ref = make(3000, 0);
    const cur = make(2500, 0.3);
    const strip = (text: string) => text.split('\n').slice(2).join('\n');
    const windows = ['--window-column', 'ts', '--window-every', '1h'];
    for (const method of ['auto', 'ks', 'chi2', 'psi']) {
      const a = await run([write('ref.csv', ref), write('cur.csv', cur), '--method', method, ...windows]);
      const b = await run([
        write('ref-shuffled.csv', shuffle(ref)),
        write('cur-shuffled.csv', shuffle(cur)),
        '--method',
        method,
        ...windows,
      ]);
      assert.match(a.text, /windows \(share of drifted features\):\n(  2025-01-01T0[0-5]:00:00\.000Z .*\n){6}\n/, a.text);
      assert.equal(a.code, 0, a.text);
      assert.equal(strip(b.text), strip(a.text), `${method}: all but the two lines naming the files`);
      assert.doesNotMatch(a.text, /NaN/);
      const ja = JSON.parse(
        (await run([join(dir, 'ref.csv'), join(dir, 'cur.csv'), '--method', method, '--json', ...windows])).text,
      ) as DriftReport;
      const jb = JSON.parse(
        (await run([join(dir, 'ref-shuffled.csv'), join(dir, 'cur-shuffled.csv'), '--method', method, '--json', ...windows])).text,
      ) as DriftReport;
      const same = (r: DriftReport) => JSON.stringify({ ...r, createdAt: '', reference: r.reference.rows, current: r.current.rows });
      assert.equal(same(jb), same(ja), `${method}: the JSON report`);
    }
  });
});
