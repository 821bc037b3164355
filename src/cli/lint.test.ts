import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
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
    writeFileSync(
      join(dir, 'warn.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: nginx\n',
    );
    writeFileSync(join(dir, 'ci.yaml'), 'on: [push]\njobs: {build: {runs-on: ubuntu-latest}}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints file:line:col severity rule-id message and exits 1 on errors', async () => {
    const r = await run([join(CORPUS, 'dataset.yaml')]);
    assert.equal(r.code, 1);
    const lines = r.out.trim().split('\n');
    assert.equal(
      lines[0],
      `${join(CORPUS, 'dataset.yaml')}:21:7 error job-restart-policy restartPolicy Always is not allowed in a Job: use Never or OnFailure.`,
    );
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
    const json = JSON.parse(r.out) as {
      findings: Array<{ ruleId: string; line: number; column: number; endColumn: number }>;
      summary: { warning: number };
    };
    const latest = json.findings.find((f) => f.ruleId === 'latest-tag')!;
    assert.deepEqual([latest.line, latest.column, latest.endColumn], [7, 14, 19]);
    assert.equal(json.summary.warning, json.findings.filter((f) => (f as unknown as { severity: string }).severity === 'warning').length);
  });

  it('--format sarif writes SARIF 2.1.0 with rules, regions and fixes', async () => {
    const r = await run(['--format=sarif', join(CORPUS, 'gpu-train-job.yaml')]);
    assert.equal(r.code, 1);
    const sarif = JSON.parse(r.out) as {
      version: string;
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string }> } };
        results: Array<{
          ruleId: string;
          ruleIndex: number;
          level: string;
          locations: Array<{ physicalLocation: { region: { startLine: number } } }>;
          fixes?: unknown[];
        }>;
      }>;
    };
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

  it('--kubernetes-version chooses the bundled schema (default the newest), and rejects versions it does not bundle', async () => {
    const f = join(dir, 'deviceclass.yaml');
    writeFileSync(f, 'apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: gpu}\nspec: {}\n');
    assert.equal((await run([f])).code, 0);
    const old = await run(['--kubernetes-version', '1.33', f]);
    assert.equal(old.code, 1);
    assert.match(old.out, /error unknown-kind Kubernetes 1\.33 has no DeviceClass in resource\.k8s\.io\/v1\./);
    assert.equal((await run(['--kubernetes-version=v1.34.2', f])).code, 0);
    const bad = await run(['--kubernetes-version', '1.29', f]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /no schema for Kubernetes "1\.29": use one of 1\.30, 1\.31, 1\.32, 1\.33, 1\.34/);
  });

  it('--list-rules and --help exit 0', async () => {
    const l = await run(['--list-rules']);
    assert.equal(l.code, 0);
    assert.match(l.out, /^gpu-limits +error /m);
    assert.equal((await run(['--help'])).code, 0);
  });
});

describe('kubeml lint (CLI): bad input in folders', () => {
  const JOB =
    'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      restartPolicy: Always\n      containers: [{name: a, image: "busybox:1.36"}]\n';
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeml-lint-bad-'));
    writeFileSync(join(dir, 'job.yaml'), JOB);
  });
  afterEach(() => {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });
  /** The rest of the folder was linted: job.yaml's error is there. */
  const linted = (out: string) => assert.match(out, /job\.yaml:7:7 error job-restart-policy /);
  const notLinted = (out: string, name: string, why: RegExp) => {
    const lines = out.split('\n').filter((l) => l.startsWith(join(dir, name) + ':'));
    assert.equal(lines.length, 1, out);
    assert.match(lines[0]!, /:1:1 error lint-limits (Not linted: |Stopped after )/);
    assert.match(lines[0]!, why);
  };

  it('does not follow a link to / found in a folder (the rest is linted, the link is skipped)', async () => {
    symlinkSync('/', join(dir, 'root.yaml'));
    const r = await run([dir]);
    linted(r.out);
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.out
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith(dir + '/')),
      [],
    );
  });

  it('does not follow folder link loops (a link to the folder itself, a link from a subfolder back up)', async () => {
    symlinkSync('.', join(dir, 'loop.yaml'));
    mkdirSync(join(dir, 'sub'));
    symlinkSync('..', join(dir, 'sub', 'back.yml'));
    const r = await run([dir]);
    linted(r.out);
    assert.equal(r.code, 1);
    assert.match(r.err, /in 1 file /);
  });

  it('reports a file link loop as a file it could not read, lints the rest and exits 2', async () => {
    symlinkSync('self.yaml', join(dir, 'self.yaml'));
    const r = await run([dir]);
    linted(r.out);
    notLinted(r.out, 'self.yaml', /loop of symbolic links/);
    assert.equal(r.code, 2);
  });

  it('reports a FIFO named *.yaml without opening it for a blocking read, and exits 2', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const r = await run([dir]);
    linted(r.out);
    notLinted(r.out, 'pipe.yaml', /not a regular file \(a FIFO\)/);
    assert.equal(r.code, 2);
    const explicit = await run([join(dir, 'pipe.yaml')]);
    assert.equal(explicit.code, 2);
    assert.match(explicit.out, /not a regular file \(a FIFO\).*stdin/);
  });

  it('reports a link to /dev/zero without reading it, and exits 2', async () => {
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    const r = await run([dir]);
    linted(r.out);
    notLinted(r.out, 'zero.yaml', /not a regular file \(a character device\)/);
    assert.equal(r.code, 2);
  });

  it('reports a file and a folder it may not read (as root: under effective uid nobody, since root reads mode 000 files)', async () => {
    writeFileSync(join(dir, 'secret.yaml'), JOB);
    chmodSync(join(dir, 'secret.yaml'), 0o000);
    mkdirSync(join(dir, 'locked'));
    writeFileSync(join(dir, 'locked', 'a.yaml'), JOB);
    chmodSync(join(dir, 'locked'), 0o000);
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'job.yaml'), 0o644);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) process.seteuid!(65534);
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run([dir]);
    } finally {
      if (asRoot) process.seteuid!(0);
    }
    chmodSync(join(dir, 'locked'), 0o700);
    linted(r.out);
    notLinted(r.out, 'secret.yaml', /permission denied/);
    notLinted(r.out, 'locked', /cannot list the folder: permission denied/);
    assert.equal(r.code, 2);
  });

  it('reports a file over --max-file-size from its size, without reading it (a sparse 3 GiB file), and exits 2', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\n');
    truncateSync(big, 3 * 1024 ** 3);
    const r = await run([dir]);
    linted(r.out);
    notLinted(r.out, 'big.yaml', /the file is 3072\.0 MB, over the 20\.0 MB limit/);
    assert.equal(r.code, 2);
  });

  it('ends a single huge document (parsed by the yaml package) with one finding within --time-budget, and exits 2', async () => {
    // An anchor sends the document to the yaml package; 100,000 keys in one mapping take it minutes.
    const keys = Array.from({ length: 100_000 }, (_, i) => `  k${i}: "value ${i}"\n`).join('');
    writeFileSync(join(dir, 'huge.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &n huge\ndata:\n${keys}`);
    const r = await run(['--time-budget', '0.3', '--max-file-size', '100', dir]);
    linted(r.out);
    notLinted(r.out, 'huge.yaml', /Stopped after 0 documents: linting took longer than 300 ms/);
    assert.equal(r.code, 2);
  });

  it('ends a single huge document without anchors (too big for the fast parser) with one finding within --time-budget, and exits 2', async () => {
    const items = '  - "value number xxxxxxxx"\n'.repeat(1_000_000);
    writeFileSync(join(dir, 'huge.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\nitems:\n${items}`);
    const r = await run(['--time-budget', '0.2', '--max-file-size', '100', dir]);
    linted(r.out);
    notLinted(r.out, 'huge.yaml', /Stopped after 0 documents: linting took longer than 200 ms/);
    assert.equal(r.code, 2);
  });
});
