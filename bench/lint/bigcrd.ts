/**
 * Big real files through the linter, as the editor and the CLI lint them: upstream CRDs from the Go
 * module zips (kuberay's RayService and RayCluster, kubeflow trainer's ClusterTrainingRuntime: 2.7 MB),
 * and every CRD of kuberay, trainer, training-operator, jobset and kserve repeated to 19 MB.
 * Also an edit in the editor: one document re-parsed in slices (sliced.ts), the longest block measured.
 * Writes bench/results/lint-bigcrd.json. Needs `go` and the module proxy (or its cache).
 *
 *   npx tsx bench/lint/bigcrd.ts [RUNS]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { IncrementalLinter, lintText, type LintConfig } from '../../src/lint/engine';
import { primeInSlices } from '../../src/lint/sliced';
import { bundledValidator } from '../../src/lint/schema/bundled';

const RUNS = Number(process.argv[2] ?? 5);

function moduleDir(mod: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', mod], { encoding: 'utf8' });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

function crdsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...crdsUnder(p));
    else if (/\.ya?ml$/.test(name) && /^kind: CustomResourceDefinition$/m.test(readFileSync(p, 'utf8'))) out.push(p);
  }
  return out;
}

const join3 = (files: string[]) => files.map((f) => readFileSync(f, 'utf8').replace(/^---\n/, '')).join('\n---\n');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function measure(text: string, config: LintConfig, runs: number) {
  lintText(text, config); // warm-up: JIT, schema compilation
  const wall: number[] = [];
  const cpu: number[] = [];
  let result = lintText(text, config);
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    result = lintText(text, config);
    wall.push(Math.round(performance.now() - t));
    const d = process.cpuUsage(c);
    cpu.push(Math.round((d.user + d.system) / 1000));
  }
  const counts: Record<string, number> = {};
  for (const f of result.findings) counts[f.ruleId] = (counts[f.ruleId] ?? 0) + 1;
  return { wallMs: wall, cpuMs: cpu, medianWallMs: median(wall), medianCpuMs: median(cpu), documents: result.documents, findings: counts };
}

/**
 * The editor's path: an edit in one document of the big file, then primeInSlices and lint() as
 * diagnostics.ts runs them. The longest stretch without a turn of the event loop, per run.
 */
async function editorSlices(text: string, config: LintConfig, runs: number) {
  const linter = new IncrementalLinter();
  linter.lint(text, config);
  const longest: number[] = [];
  const incremental: number[] = [];
  for (let i = 0; i <= runs; i++) {
    // Typing in the first document's name, as an edit does: one document changes.
    const edited = text.replace(/^  name: (\S+)$/m, `  name: $1-${i}`);
    let last = performance.now();
    let worst = 0;
    const pause = async () => {
      worst = Math.max(worst, performance.now() - last);
      await new Promise<void>((r) => setImmediate(r));
      last = performance.now();
    };
    const t = performance.now();
    await primeInSlices(linter, edited, { maxFileBytes: config.maxFileBytes!, budgetMs: 3000, stale: () => false, pause });
    const l = performance.now();
    linter.lint(edited, config);
    worst = Math.max(worst, performance.now() - l);
    if (i > 0) {
      longest.push(Math.round(worst));
      incremental.push(Math.round(performance.now() - t));
    }
  }
  return {
    longestBlockingMs: longest,
    medianLongestBlockingMs: median(longest),
    editToFindingsMs: incremental,
    medianEditToFindingsMs: median(incremental),
  };
}

async function main(): Promise<void> {
  const ray = moduleDir('github.com/ray-project/kuberay/ray-operator@v1.5.0');
  const trainer = moduleDir('github.com/kubeflow/trainer/v2@v2.0.0');
  const big = join3([
    join(ray, 'config/crd/bases/ray.io_rayservices.yaml'),
    join(ray, 'config/crd/bases/ray.io_rayclusters.yaml'),
    join(trainer, 'manifests/base/crds/trainer.kubeflow.org_clustertrainingruntimes.yaml'),
  ]);
  const all = join3([
    ...crdsUnder(join(ray, 'config/crd')),
    ...crdsUnder(join(trainer, 'manifests/base/crds')),
    ...crdsUnder(join(moduleDir('github.com/kubeflow/training-operator@v1.8.1'), 'manifests/base/crds')),
    ...crdsUnder(join(moduleDir('sigs.k8s.io/jobset@v0.8.0'), 'config/components/crd/bases')),
    ...crdsUnder(join(moduleDir('github.com/kserve/kserve@v0.16.0'), 'config/crd/full')),
  ]);
  let huge = all;
  while (huge.length < 19 * 1024 * 1024) huge += '\n---\n' + all;
  huge = huge.slice(0, huge.lastIndexOf('\n---\n', 19 * 1024 * 1024));
  const bundledSchema = bundledValidator();
  // The editor: kubeml.lint.maxFileSizeMB 5, a 3 s budget (diagnostics.ts). The CLI: 20 MB, 60 s (src/cli/lint.ts).
  const editor: LintConfig = { bundledSchema, maxFileBytes: 5 * 1024 * 1024, timeBudgetMs: 3000 };
  const cli: LintConfig = { bundledSchema, maxFileBytes: 20 * 1024 * 1024, timeBudgetMs: 60_000 };
  const rssBefore = process.memoryUsage().rss;
  const result = {
    benchmark: 'lint-bigcrd',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg1m: Number(loadavg()[0]!.toFixed(2)), node: process.version },
    bigCrd: { bytes: big.length, editor: measure(big, editor, RUNS), editorTyping: await editorSlices(big, editor, RUNS) },
    huge: { bytes: huge.length, editor: measure(huge, editor, RUNS), cli: measure(huge, cli, Math.min(RUNS, 3)) },
    rssMB: { before: Math.round(rssBefore / 2 ** 20), after: Math.round(process.memoryUsage().rss / 2 ** 20) },
  };
  writeFileSync(join(__dirname, '..', 'results', 'lint-bigcrd.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

void main();
