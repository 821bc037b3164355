import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { DriftReport, FeatureDrift } from '../model/driftReport';
import { driftMain, formatReport, parseDriftArgs } from './drift';

const FIX = join(__dirname, '../../test/fixtures/drift');

async function run(args: string[]): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await driftMain(args, out);
  return { code, text: Buffer.concat(chunks).toString('utf8') };
}

describe('kubeml drift (command line)', () => {
  it('prints per-feature statistics, p-values and verdicts', async () => {
    const { code, text } = await run([join(FIX, 'reference.csv'), join(FIX, 'current.csv')]);
    assert.equal(code, 0, text);
    assert.match(text, /2 of 4 features drifted \(50\.0%\); dataset drift: YES/);
    assert.match(text, /^income\s+num\s+ks\s+\S+\s+0\.05\s+DRIFT/m);
    assert.match(text, /^city\s+cat\s+chi2\s+\S+\s+0\.05\s+DRIFT/m);
    assert.match(text, /^score\s+num\s+ks\s+\S+\s+0\.05\s+ok/m);
  });

  it('prints the report as JSON with --json, and exits 1 with --fail-on-drift', async () => {
    const { code, text } = await run([
      join(FIX, 'reference.csv'),
      join(FIX, 'current.csv'),
      '--json',
      '--fail-on-drift',
      '--window-column',
      'timestamp',
      '--window-every',
      '2h',
    ]);
    assert.equal(code, 1);
    const r = JSON.parse(text) as {
      features: Array<{ name: string; status: string; stats: { ks: { pValue: number } } }>;
      windows: unknown[];
    };
    assert.equal(r.features[0].status, 'drift');
    assert.ok(r.features.every((f) => f.name !== 'timestamp'));
    assert.equal(r.windows.length, 5, '600 minutes in windows of 2 hours');
  });

  it('reads Parquet files (kubeml drift ref.parquet cur.parquet), with the same verdicts as CSV', async () => {
    const pq = await run([join(FIX, 'reference.parquet'), join(FIX, 'current.parquet')]);
    const csv = await run([join(FIX, 'reference.csv'), join(FIX, 'current.csv')]);
    assert.equal(pq.code, 0, pq.text);
    assert.equal(
      pq.text.split('\n').slice(2).join('\n'),
      csv.text.split('\n').slice(2).join('\n'),
      'all but the two lines naming the files',
    );
    assert.match(pq.text, /reference\.parquet \(600 rows\)/);
  });

  it('says what is wrong with bad usage or bad files (exit 2)', async () => {
    assert.match((await run([join(FIX, 'reference.csv')])).text, /needs two files/);
    assert.equal((await run(['--method', 'magic', 'a', 'b'])).code, 2);
    const empty = await run([join(FIX, 'empty.csv'), join(FIX, 'current.csv')]);
    assert.equal(empty.code, 2);
    assert.match(empty.text, /empty\.csv is empty/);
    assert.match((await run([join(FIX, 'reference.csv'), join(FIX, 'other-schema.csv')])).text, /no feature column in common/);
  });

  it('parses options', () => {
    const o = parseDriftArgs(['r.csv', 'c.csv', '--method=psi', '--psi', '0.2,0.3', '--window-rows', '100', '--bins', '20']);
    assert.deepEqual(o.files, ['r.csv', 'c.csv']);
    assert.deepEqual(o.thresholds, { method: 'psi', psiModerate: 0.2, psiSignificant: 0.3, bins: 20 });
    assert.deepEqual(o.windows, { rows: 100 });
  });
});

describe('kubeml drift (command line) on bad and unusual files', () => {
  let dir: string;
  const file = (name: string, text: string | Buffer): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kubeml-drift-cli-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives no drift for the same data in another row order when a number column holds one stray text', async () => {
    // 300 rows of numbers spelt with two decimals, one of them text: numbers read before the
    // stray cell must keep their spelling like those after it.
    const cells = Array.from({ length: 300 }, (_, i) => (i === 10 ? 'unknown' : ((i % 40) / 4).toFixed(2)));
    const ref = file('order-ref.csv', `v,w\n${cells.map((c, i) => `${c},${i % 7}`).join('\n')}\n`);
    const cur = file(
      'order-cur.csv',
      `v,w\n${cells
        .map((c, i) => `${c},${i % 7}`)
        .reverse()
        .join('\n')}\n`,
    );
    const { code, text } = await run([ref, cur, '--json', '--method', 'psi']);
    assert.equal(code, 0, text);
    const r = JSON.parse(text) as DriftReport;
    const v = r.features.find((f) => f.name === 'v')!;
    assert.equal(v.kind, 'categorical');
    assert.equal(v.status, 'ok', JSON.stringify(v.stats));
    assert.equal(v.stats.psi, 0);
  });

  it('compares every column of a header with duplicate names, and warns', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},${i * 2},${i * 3}`).join('\n');
    const f = file('dup.csv', `a,a,a.1\n${rows}\n`);
    const { code, text } = await run([f, f, '--json']);
    assert.equal(code, 0, text);
    const r = JSON.parse(text) as DriftReport;
    assert.equal(r.features.length, 3, r.features.map((x) => x.name).join(', '));
    assert.match(JSON.stringify(r.warnings.concat(r.features.flatMap((x) => x.warnings))), /more than once/);
  });

  it('reads a semicolon-separated file as its columns, and says which separator it used', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i};${i % 5}`).join('\n');
    const f = file('semi.csv', `a;b\n${rows}\n`);
    const { code, text } = await run([f, f]);
    assert.equal(code, 0, text);
    assert.match(text, /^a\s+num/m);
    assert.match(text, /^b\s+num/m);
    assert.match(text, /separated by semicolons/);
  });

  it('names the line of an unclosed quote (64,000 rows)', async () => {
    const rows = Array.from({ length: 64_000 }, (_, i) => `${i},x`);
    rows[10] = '10,"oops';
    const f = file('quote.csv', `a,b\n${rows.join('\n')}\n`);
    const { code, text } = await run([f, f]);
    assert.equal(code, 2);
    assert.match(text, /quote\.csv: the quote that opens on line 12 is never closed/);
  });

  it('reads CR-only line endings', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${i},${i % 9}`).join('\r');
    const f = file('cr.csv', `a,b\r${rows}\r`);
    const { code, text } = await run([f, f]);
    assert.equal(code, 0, text);
    assert.match(text, /cr\.csv \(2,000 rows\)/);
  });

  it('refuses a header of 200,000 columns with the limit in the message', async () => {
    const header = Array.from({ length: 200_000 }, (_, i) => `c${i}`).join(',');
    const f = file('wide.csv', `${header}\n${header.replace(/c/g, '')}\n`);
    const { code, text } = await run([f, f]);
    assert.equal(code, 2);
    assert.match(text, /wide\.csv has 200,000 columns; at most 10,000 are read/);
  });

  it('refuses a Parquet file whose footer claims 2e9 rows, before allocating them', async () => {
    // Written by make_parquet.py: a small file with the row counts of its footer raised to 2e9.
    for (const name of ['claims-rows.parquet', 'claims-rows-all.parquet']) {
      const { code, text } = await run([join(FIX, name), join(FIX, 'reference.parquet')]);
      assert.equal(code, 2, text);
      assert.match(text, /2,000,000,000 rows/, name);
    }
  });

  it('refuses a malformed JSON Lines file and a JSON line over the length limit', async () => {
    const bad = file('bad.jsonl', '{"a": 1}\n{"a": \n');
    assert.match((await run([bad, bad])).text, /bad\.jsonl: line 2 is not valid JSON/);
    const long = file('long.jsonl', `{"a": "${'x'.repeat(9_000_000)}"}\n`);
    const r = await run([long, long]);
    assert.equal(r.code, 2);
    assert.match(r.text, /line 1 .*longer than 8,388,608 characters/);
  });

  it('prints a report of 200,000 features as text', () => {
    const feature: FeatureDrift = {
      name: 'f',
      kind: 'numeric',
      status: 'ok',
      stats: {},
      counts: { reference: 1, current: 1, missingReference: 0, missingCurrent: 0, nonFiniteReference: 0, nonFiniteCurrent: 0 },
      warnings: ['w'],
    } as unknown as FeatureDrift;
    const features = Array.from({ length: 200_000 }, (_, i) => ({ ...feature, name: `f${i}` }));
    const r = {
      reference: { source: 'r', rows: 1 },
      current: { source: 'c', rows: 1 },
      features,
      windows: [],
      warnings: [],
      driftedShare: 0,
      datasetDrift: false,
      thresholds: { driftShare: 0.5 },
    } as unknown as DriftReport;
    const text = formatReport(r);
    assert.match(text, /^f199999\s+num/m);
    assert.equal(text.split('\n  - w').length - 1, 200_000);
  });
});
