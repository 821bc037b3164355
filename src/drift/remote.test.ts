import { strict as assert } from 'node:assert';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalShellTransport } from '../cluster/stream/localShellTransport';
import { computeDrift, summarizeReference } from './engine';
import { readTableFile } from './readers';
import { PodFile, readRemoteTable } from './remote';

// The range script runs here with the local sh (the same argv a pod gets through exec);
// test/integration/drift.test.ts runs it in a real pod and on a real claim.
const FIX = join(__dirname, '../../test/fixtures/drift');

describe('drift files read through exec (range script, local shell)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeml-drift-remote-'));
    for (const f of ['reference.csv', 'current.parquet', 'types.parquet']) copyFileSync(join(FIX, f), join(dir, f));
    copyFileSync(join(FIX, 'current.parquet'), join(dir, 'current-no-extension'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads sizes and exact byte ranges', async () => {
    const t = new LocalShellTransport();
    const f = await PodFile.open(t, join(dir, 'reference.csv'));
    const bytes = readFileSync(join(dir, 'reference.csv'));
    assert.equal(f.byteLength, bytes.length);
    for (const [s, e] of [
      [0, 1],
      [5, 5000],
      [bytes.length - 7, bytes.length],
      [1000, bytes.length + 50],
    ]) {
      assert.deepEqual(Buffer.from(await f.slice(s, e)), bytes.subarray(s, e), `${s}-${e}`);
    }
    const streamed = [];
    for await (const c of f.chunks(4096)) streamed.push(c);
    assert.equal(streamed.length, Math.ceil(bytes.length / 4096));
    assert.deepEqual(Buffer.concat(streamed), bytes);
  });

  it('falls back to tail and head where dd has no byte offsets', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'kubeml-nodd-'));
    writeFileSync(join(bin, 'dd'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(bin, 'dd'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const f = await PodFile.open(new LocalShellTransport(), join(dir, 'reference.csv'));
      assert.deepEqual(Buffer.from(await f.slice(100, 3000)), readFileSync(join(dir, 'reference.csv')).subarray(100, 3000));
    } finally {
      process.env.PATH = path;
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('reads CSV as a stream and Parquet by range, with the same tables as local files', async () => {
    const t = new LocalShellTransport();
    const csv = await readRemoteTable(t, join(dir, 'reference.csv'));
    const pq = await readRemoteTable(t, join(dir, 'current-no-extension')); // found by its magic number
    assert.equal(csv.source, `local shell:${join(dir, 'reference.csv')}`);
    assert.deepEqual(csv.columns, (await readTableFile(join(FIX, 'reference.csv'))).columns);
    assert.deepEqual(pq.columns, (await readTableFile(join(FIX, 'current.parquet'))).columns);
    assert.equal(computeDrift(summarizeReference(csv), pq).features.length, 4);
  });

  it('says when the file is missing, a folder or the path relative', async () => {
    const t = new LocalShellTransport();
    await assert.rejects(PodFile.open(t, join(dir, 'nope.csv')), /Cannot read .*nope\.csv in local shell: no such file/);
    await assert.rejects(PodFile.open(t, dir), /not a regular file/);
    await assert.rejects(PodFile.open(t, 'data/x.csv'), /not an absolute path/);
  });

  it('stops fetching once the reader has maxRows rows', async function () {
    this.timeout(60_000);
    const big = join(dir, 'big.csv');
    writeFileSync(big, 'x\n' + '1234567\n'.repeat(4_000_000)); // 32 MB: four blocks of 8 MiB
    const all = new LocalShellTransport();
    assert.equal((await readRemoteTable(all, big)).rows, 4_000_000);
    assert.equal(all.execCount, 5, 'size, then four blocks of 8 MiB');
    const t = new LocalShellTransport();
    const r = await readRemoteTable(t, big, { maxRows: 10 });
    assert.equal(r.rows, 10);
    assert.equal(t.execCount, 3, 'size, the first block and the one fetched ahead');
  });
});
