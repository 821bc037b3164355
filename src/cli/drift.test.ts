import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { driftMain, parseDriftArgs } from './drift';

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
    const { code, text } = await run([join(FIX, 'reference.csv'), join(FIX, 'current.csv'), '--json', '--fail-on-drift', '--window-column', 'timestamp', '--window-every', '2h']);
    assert.equal(code, 1);
    const r = JSON.parse(text) as { features: Array<{ name: string; status: string; stats: { ks: { pValue: number } } }>; windows: unknown[] };
    assert.equal(r.features[0].status, 'drift');
    assert.ok(r.features.every((f) => f.name !== 'timestamp'));
    assert.equal(r.windows.length, 5, '600 minutes in windows of 2 hours');
  });

  it('reads Parquet files (kubeml drift ref.parquet cur.parquet), with the same verdicts as CSV', async () => {
    const pq = await run([join(FIX, 'reference.parquet'), join(FIX, 'current.parquet')]);
    const csv = await run([join(FIX, 'reference.csv'), join(FIX, 'current.csv')]);
    assert.equal(pq.code, 0, pq.text);
    assert.equal(pq.text.split('\n').slice(2).join('\n'), csv.text.split('\n').slice(2).join('\n'), 'all but the two lines naming the files');
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
