// The `kubeml` program's run commands on the local cluster, spawned as a user would run them:
// `kubeml run train --param n_estimators=20 --json` on a copy of the sample workspace, then
// `kubeml runs --json` and `kubeml compare` on two runs.
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --timeout 600000 test/integration/cli.test.ts
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../src/cluster/client';
import type { RunRecord } from '../../src/model/runRecords';
import type { SweepRecord } from '../../src/model/sweepRecords';
import type { Comparison } from '../../src/cli/runsFormat';
import { type TestPods, testPods, until } from './syncPods';
import { getObject } from '../../src/cluster/read/objects';
import { createHostPathClaim } from '../support/volumes';

const ROOT = join(__dirname, '..', '..');
const SAMPLES = join(ROOT, 'samples');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** Runs the CLI from source (tsx) in `cwd`, with the test cluster's kubeconfig as KUBECONFIG. */
function kubeml(args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [MAIN, ...args], {
      cwd,
      env: { ...process.env, KUBECONFIG: process.env.KUBEML_KUBECONFIG },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('kubeml run / runs / compare (CLI) on the local cluster', function () {
  this.timeout(600_000);
  let env: TestPods;
  let client: KubeClient;
  let workspace: string;
  let first: RunRecord;

  before(async () => {
    env = await testPods('kubeml-cli-test');
    client = new KubeClient(env.kc);
    workspace = mkdtempSync(join(tmpdir(), 'kubeml-cli-it-'));
    cpSync(SAMPLES, workspace, { recursive: true });
    // The test namespace and the node's own training image; everything else is the sample's.
    const spec = readFileSync(join(workspace, 'kubeml.yaml'), 'utf8').replace(/^image: .*$/m, `image: ${env.image}`);
    writeFileSync(join(workspace, 'kubeml.yaml'), `${spec}namespace: ${env.namespace}\n`);
    await createHostPathClaim(client, {
      namespace: env.namespace,
      claim: 'kubeml-artifacts',
      pv: `${env.namespace}-artifacts`,
      path: `/tmp/kubeml-test-artifacts/${env.namespace}`,
      pathType: 'DirectoryOrCreate',
      storageClass: 'kubeml-test',
      reclaim: 'Delete',
      reserve: true,
      pvLabels: { 'kubeml.io/test': 'cli' },
      bindTimeoutMs: 60_000,
    });
  });

  after(async () => {
    await env?.cleanup();
    await client
      ?.raw(`/api/v1/persistentvolumes/${env.namespace}-artifacts`, { method: 'DELETE', what: 'delete the test volume' })
      .catch(() => undefined);
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('kubeml run train --param n_estimators=20 --json trains the sample and prints its record', async () => {
    // From a subfolder: kubeml.yaml is found upward.
    const sub = join(workspace, 'notebooks');
    mkdirSync(sub, { recursive: true });
    const r = await kubeml(['run', 'train', '--param', 'n_estimators=20', '--param', 'samples=1500', '--json'], sub);
    assert.equal(r.code, 0, `exit ${r.code}\nstderr:\n${r.err}\nstdout:\n${r.out}`);
    first = JSON.parse(r.out) as RunRecord;
    assert.equal(first.phase, 'succeeded');
    assert.equal(first.purpose, 'train');
    assert.equal(first.namespace, env.namespace);
    assert.deepEqual(first.params, { samples: 1500, n_estimators: 20, max_depth: 8, seed: 42, shift: 1 });
    assert.equal(typeof first.metrics.accuracy, 'number');
    assert.ok(first.metrics.accuracy! > 0.5 && first.metrics.accuracy! <= 1, `accuracy ${first.metrics.accuracy}`);
    // Progress on stderr: the phases in order.
    const phases = ['pending', 'uploading', 'running', 'succeeded'].map((p) => r.err.indexOf(`${first.id}: ${p}`));
    assert.ok(
      phases.every((i, k) => i >= 0 && (k === 0 || i > phases[k - 1]!)),
      r.err,
    );
    // The run folder, as the editor writes it.
    const dir = join(workspace, '.kubeml', 'runs', first.id);
    const saved = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord;
    assert.deepEqual(saved, first);
    assert.match(readFileSync(join(dir, 'manifest.yaml'), 'utf8'), /--n-estimators 20/);
    assert.match(readFileSync(join(dir, 'logs.txt'), 'utf8'), /KUBEML_RESULT/);
    assert.ok(existsSync(join(dir, 'metrics.jsonl')));
  });

  it("kubeml run validate --model RUN validates that run's model with its parameters, as the editor does", async () => {
    assert.ok(first, 'needs the training run');
    const r = await kubeml(['run', 'validate', '--model', first.id, '--param', 'shift=1.5', '--json'], workspace);
    assert.equal(r.code, 0, `exit ${r.code}\nstderr:\n${r.err}`);
    const v = JSON.parse(r.out) as RunRecord;
    assert.equal(v.purpose, 'validate');
    assert.equal(v.parent, first.id);
    assert.deepEqual(v.params, { ...first.params, shift: 1.5 });
    assert.equal(v.hasDrift, true);
    assert.ok(existsSync(join(workspace, '.kubeml', 'runs', v.id, 'drift.json')));
    // Without --model: a usage error that names the latest training run.
    const bad = await kubeml(['run', 'validate'], workspace);
    assert.equal(bad.code, 2);
    assert.match(bad.err, new RegExp(`needs --model RUN_ID \\(the latest succeeded training run is ${first.id}\\)`));
  });

  it('kubeml runs --json lists it and kubeml compare sets two runs side by side', async () => {
    const second = await kubeml(
      ['run', '--param', 'n_estimators=5', '--param', 'samples=1500', '--param', 'max_depth=2', '--follow'],
      workspace,
    );
    assert.equal(second.code, 0, second.err);
    // --follow: the run's own output and its metrics on stderr; one summary line on stdout.
    assert.match(second.err, /metric accuracy /);
    const [secondId] = second.out.trim().split(' ');
    assert.match(second.out, /^forest-train-\S+ succeeded .*\baccuracy \d/);

    const list = await kubeml(['runs', '--json'], workspace);
    assert.equal(list.code, 0, list.err);
    const records = JSON.parse(list.out) as RunRecord[];
    assert.equal(records[1]!.purpose, 'validate');
    assert.deepEqual(
      records.map((x) => x.id),
      [secondId, records[1]!.id, first.id],
      'newest first',
    );
    const table = await kubeml(['runs'], workspace);
    assert.match(table.out, new RegExp(`^${secondId}\\s+train\\s+succeeded\\s.*accuracy \\S+\\s+n_estimators=5 max_depth=2 shift=1$`, 'm'));

    const cmp = await kubeml(['compare', first.id, secondId!, '--json'], workspace);
    assert.equal(cmp.code, 0, cmp.err);
    const c = JSON.parse(cmp.out) as Comparison;
    assert.deepEqual(c.runs, [first.id, secondId]);
    assert.deepEqual(c.params.n_estimators, [20, 5]);
    const acc = c.metrics.accuracy!;
    assert.equal(acc[0]!.delta, 0);
    assert.equal(acc[1]!.delta, acc[1]!.value! - acc[0]!.value!);

    const bad = await kubeml(['compare', first.id, 'no-such-run'], workspace);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /No run "no-such-run" in this workspace/);
  });

  it('kubeml sweep --json runs a two-trial grid, two at once, and marks the best trial', async () => {
    const file = join(workspace, 'kubeml.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      `${withoutSweep(text)}sweep:\n  method: grid\n  parallel: 2\n  metric: accuracy\n  direction: maximize\n  parameters:\n    max_depth: [1, 6]\n`,
    );
    try {
      const r = await kubeml(['sweep', '--json', '--param', 'samples=1500', '--param', 'n_estimators=10'], workspace);
      assert.equal(r.code, 0, `exit ${r.code}\nstderr:\n${r.err}\nstdout:\n${r.out}`);
      const sweep = JSON.parse(r.out) as SweepRecord;
      assert.equal(sweep.state, 'succeeded');
      assert.deepEqual(
        sweep.trials.map((t) => [t.index, t.params.max_depth, t.phase]),
        [
          [0, 1, 'succeeded'],
          [1, 6, 'succeeded'],
        ],
      );
      // The best trial is the one with the higher accuracy, as each run's own record says.
      const records = sweep.trials.map(
        (t) => JSON.parse(readFileSync(join(workspace, '.kubeml', 'runs', t.runId!, 'run.json'), 'utf8')) as RunRecord,
      );
      const accs = records.map((x) => x.metrics.accuracy!);
      const best = accs[1]! > accs[0]! ? 1 : 0;
      assert.deepEqual(sweep.best, { trial: best, runId: records[best]!.id, value: accs[best] });
      for (const [i, x] of records.entries()) {
        assert.deepEqual(x.sweep, { id: sweep.id, trial: i, metric: 'accuracy', direction: 'maximize' });
        assert.equal(x.params.n_estimators, 10);
      }
      assert.deepEqual(JSON.parse(readFileSync(join(workspace, '.kubeml', 'sweeps', `${sweep.id}.json`), 'utf8')), sweep);
      const table = await kubeml(['runs'], workspace);
      assert.match(table.out, new RegExp(`^${records[1]!.id}\\s+trial 2\\s+succeeded`, 'm'));
    } finally {
      writeFileSync(file, text);
    }
  });

  it('Ctrl+C cancels the run on the cluster and exits 130', async () => {
    const file = join(workspace, 'kubeml.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^command: .*$/m, `command: sh -c 'echo working; sleep 300'`));
    try {
      const child = spawn(TSX, [MAIN, 'run', '--follow'], {
        cwd: workspace,
        env: { ...process.env, KUBECONFIG: process.env.KUBEML_KUBECONFIG },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const working = new Promise<void>((resolve) =>
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          if (/^working$/m.test(err)) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await Promise.race([working, exited]);
      assert.match(err, /^working$/m, err);
      child.kill('SIGINT');
      const code = await exited;
      assert.equal(code, 130, `stderr:\n${err}\nstdout:\n${out}`);
      assert.match(err, /cancelling/);
      const [id, phase] = out.trim().split(' ');
      assert.equal(phase, 'cancelled');
      const saved = JSON.parse(readFileSync(join(workspace, '.kubeml', 'runs', id!, 'run.json'), 'utf8')) as RunRecord;
      assert.equal(saved.phase, 'cancelled');
      // The job is gone from the cluster (deleted, its pods with it).
      await until('the job to be deleted', 60_000, async () => !(await getObject(client, saved.primary)));
    } finally {
      writeFileSync(file, text);
    }
  });
});

/** kubeml.yaml without its sweep: section (the sample's is the last one in the file). */
function withoutSweep(text: string): string {
  return text.replace(/^sweep:\n(?:[ #].*\n|\n)*/m, '');
}
