import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { lintMain } from './lint';

const CORPUS = join(__dirname, '..', '..', 'test', 'fixtures', 'lint', 'corpus');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  const code = await lintMain(args, out, err);
  return { code, out: o, err: e };
}

describe('kubeml lint (CLI)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeml-lint-cli-'));
    writeFileSync(join(dir, 'clean.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n');
    writeFileSync(join(dir, 'warn.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: nginx\n');
    writeFileSync(join(dir, 'ci.yaml'), 'on: [push]\njobs: {build: {runs-on: ubuntu-latest}}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints file:line:col severity rule-id message and exits 1 on errors', async () => {
    const r = await run([join(CORPUS, 'dataset.yaml')]);
    assert.equal(r.code, 1);
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], `${join(CORPUS, 'dataset.yaml')}:21:7 error job-restart-policy restartPolicy Always is not allowed in a Job: use Never or OnFailure.`);
    assert.match(r.err, /2 errors, 0 warnings in 1 file \(3 resources\)/);
  });

  it('exits 0 when there are only warnings, and on a clean file', async () => {
    const warn = await run([join(dir, 'warn.yaml')]);
    assert.equal(warn.code, 0);
    assert.match(warn.out, /warn\.yaml:7:14 warning latest-tag /);
    assert.equal((await run([join(dir, 'clean.yaml')])).out, '');
  });

  it('walks folders, skipping YAML that is not Kubernetes', async () => {
    const r = await run([dir]);
    assert.ok(!r.out.includes('ci.yaml'));
    assert.match(r.err, /in 2 files/);
  });

  it('--disable and --severity change the result and the exit code', async () => {
    const f = join(CORPUS, 'dataset.yaml');
    const r = await run(['--disable', 'job-restart-policy,unknown-kind', f]);
    assert.equal(r.code, 0);
    assert.equal(r.out, '');
    const s = await run(['--severity', 'job-restart-policy=warning', '--severity=unknown-kind=off', f]);
    assert.equal(s.code, 0);
    assert.match(s.out, /warning job-restart-policy/);
  });

  it('--format json lists findings with 1-based positions', async () => {
    const r = await run(['--format', 'json', join(dir, 'warn.yaml')]);
    const json = JSON.parse(r.out) as { findings: Array<{ ruleId: string; line: number; column: number; endColumn: number }>; summary: { warning: number } };
    const latest = json.findings.find((f) => f.ruleId === 'latest-tag')!;
    assert.deepEqual([latest.line, latest.column, latest.endColumn], [7, 14, 19]);
    assert.equal(json.summary.warning, json.findings.filter((f) => (f as unknown as { severity: string }).severity === 'warning').length);
  });

  it('--format sarif writes SARIF 2.1.0 with rules, regions and fixes', async () => {
    const r = await run(['--format=sarif', join(CORPUS, 'gpu-train-job.yaml')]);
    assert.equal(r.code, 1);
    const sarif = JSON.parse(r.out) as { version: string; runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; ruleIndex: number; level: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }>; fixes?: unknown[] }> }> };
    assert.equal(sarif.version, '2.1.0');
    const run0 = sarif.runs[0]!;
    const gpu = run0.results.find((x) => x.ruleId === 'gpu-limits')!;
    assert.equal(gpu.level, 'error');
    assert.equal(run0.tool.driver.rules[gpu.ruleIndex]!.id, 'gpu-limits');
    assert.equal(gpu.locations[0]!.physicalLocation.region.startLine, 25);
    assert.ok(gpu.fixes && gpu.fixes.length === 1);
  });

  it('exits 2 on usage errors and unreadable paths', async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run(['--format', 'xml', 'x.yaml'])).code, 2);
    assert.equal((await run(['--disable', 'no-such-rule', 'x.yaml'])).code, 2);
    const missing = await run([join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read/);
  });

  it('--list-rules and --help exit 0', async () => {
    const l = await run(['--list-rules']);
    assert.equal(l.code, 0);
    assert.match(l.out, /^gpu-limits +error /m);
    assert.equal((await run(['--help'])).code, 0);
  });
});
