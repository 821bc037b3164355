/**
 * Lint benchmark (issue 6): resources per second over a corpus of realistic manifests, schema
 * checks included (goal: 10,000 resources/s), with kube-linter on the same corpus in the same run
 * (its time, and its findings next to ours per check). Medians of several runs.
 * Writes bench/results/lint.json.
 *
 *   npm run bench -- lint            or   npx tsx bench/lint/run.ts [--docs N] [--runs N]
 *
 * Timed in a bundled child process (bench/lint/inprocess.ts): wall-clock and CPU time per pass.
 * kube-linter is looked up as $KUBE_LINTER, else ${KUBEML_CACHE:-~/.cache/kubeml}/bin/kube-linter-v0.8.3/kube-linter
 * (scripts/lint-kube-linter.sh installs it from the Go module proxy where that proxy serves it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { isBlankChunk, parseChunk, splitDocuments } from '../../src/lint/document';
import { bundledValidator } from '../../src/lint/schema/bundled';
import { headOf } from '../../src/lint/workload';
import { makeCorpus } from './corpus';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const DOCS = arg('docs', 1000);
const RUNS = arg('runs', 15);
const root = join(__dirname, '..', '..');
const KL_VERSION = 'v0.8.3';
const kubeLinter =
  process.env.KUBE_LINTER ??
  join(process.env.KUBEML_CACHE ?? join(homedir(), '.cache', 'kubeml'), 'bin', `kube-linter-${KL_VERSION}`, 'kube-linter');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Why there is no kube-linter figure when its binary is absent: every honest way to get an official
 * build on this project's machines was tried (scripts/lint-kube-linter.sh tries them again).
 */
const NOT_MEASURED_REASON =
  `no kube-linter binary at ${kubeLinter}: the Go module proxy refuses golang.stackrox.io/kube-linter (403 Forbidden, also under github.com/stackrox/kube-linter), ` +
  'and no reachable registry ships an official build (PyPI: no distribution named kube-linter; npm: kube-linter and @stackrox/kube-linter are 404; Debian: no kube-linter package). Run `bash scripts/lint-kube-linter.sh` where the proxy serves it, or set KUBE_LINTER.';
const INSTALL_TRIED = [
  'go install golang.stackrox.io/kube-linter/cmd/kube-linter@v0.8.3 (proxy: 403)',
  'go list -m github.com/stackrox/kube-linter (proxy: 403)',
  'pip download kube-linter (no distribution)',
  'npm view kube-linter / @stackrox/kube-linter (404)',
  'apt-cache search kube-linter after apt-get update (none)',
];

/** kube-linter names for the same checks where they differ from ours. */
const SAME_CHECK: Record<string, string> = { 'job-ttl-seconds-after-finished': 'job-ttl', 'docker-sock': 'sensitive-host-mounts' };

function main(): void {
  const corpus = makeCorpus(DOCS);
  const dir = mkdtempSync(join(tmpdir(), 'kubeml-lint-bench-'));
  for (const f of corpus) writeFileSync(join(dir, f.name), f.text);
  const schema = bundledValidator();
  mkdirSync(join(root, 'out', 'bench'), { recursive: true });

  // In process: the shipped code, bundled as scripts/build.mjs bundles it, in a child process of
  // its own (warm-up, then RUNS timed passes over every file: schema on, schema off, parse only).
  const inproc = join(root, 'out', 'bench', 'lint-inprocess.js');
  buildSync({
    entryPoints: [join(__dirname, 'inprocess.ts')],
    outfile: inproc,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    define: { 'import.meta.url': '__u' },
    banner: { js: "const __u = require('url').pathToFileURL(__filename).href;" },
  });
  // The bundle finds schemas/ by walking up from out/bench.
  const child = spawnSync(process.execPath, [inproc, String(DOCS), String(RUNS)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`the in-process benchmark failed (exit ${String(child.status)}): ${child.stderr}`);
  type Sample = { wallMs: number; cpuMs: number };
  const m = JSON.parse(child.stdout) as {
    withSchema: Sample[];
    withoutSchema: Sample[];
    parseOnly: Sample[];
    findings: Array<{ file: string; resources: number; findings: Array<{ ruleId: string; docIndex: number }> }>;
  };
  const withSchema = m.withSchema.map((x) => x.wallMs);
  const withSchemaCpu = m.withSchema.map((x) => x.cpuMs);
  const withoutSchema = m.withoutSchema.map((x) => x.wallMs);
  const parseOnly = m.parseOnly.map((x) => x.wallMs);
  const resources = m.findings.reduce((s, r) => s + r.resources, 0);

  // The command-line program on the same folder, as a process (start-up and file reading included), like kube-linter.
  const cli = join(root, 'out', 'bench', 'lint-cli.js');
  const entry = join(root, 'out', 'bench', 'lint-cli-entry.ts');
  writeFileSync(
    entry,
    "import { lintMain } from '../../src/cli/lint';\nvoid lintMain(process.argv.slice(2), process.stdout, process.stderr).then((c) => process.exit(c));\n",
  );
  buildSync({
    entryPoints: [entry],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    define: { 'import.meta.url': '__u' },
    banner: { js: "const __u = require('url').pathToFileURL(__filename).href;" },
  });
  const cliTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    spawnSync(process.execPath, [cli, '--format', 'json', dir], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    cliTimes.push(performance.now() - t);
  }

  // Our findings per check and per object.
  const ours = new Map<string, { findings: number; objects: Set<string> }>();
  for (const { file, findings } of m.findings) {
    const names = objectNames(corpus.find((c) => c.name === file)!.text);
    for (const f of findings) {
      const e = ours.get(f.ruleId) ?? { findings: 0, objects: new Set<string>() };
      e.findings++;
      e.objects.add(`${file}#${names[f.docIndex] ?? f.docIndex}`);
      ours.set(f.ruleId, e);
    }
  }

  // kube-linter on the same files, same run.
  let kl: Record<string, unknown> = {
    available: false,
    measured: 'not measured',
    path: kubeLinter,
    reason: NOT_MEASURED_REASON,
    tried: INSTALL_TRIED,
  };
  const theirs = new Map<string, { findings: number; objects: Set<string> }>();
  if (existsSync(kubeLinter)) {
    const times: number[] = [];
    let stdout = '';
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = spawnSync(kubeLinter, ['lint', '--format', 'json', dir], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
      times.push(performance.now() - t);
      stdout = r.stdout;
    }
    const report = JSON.parse(stdout) as {
      Reports?: Array<{
        Check: string;
        Object: { Metadata: { FilePath: string }; K8sObject: { Namespace: string; Name: string; GroupVersionKind: { Kind: string } } };
      }>;
    };
    for (const rep of report.Reports ?? []) {
      const id = SAME_CHECK[rep.Check] ?? rep.Check;
      const e = theirs.get(id) ?? { findings: 0, objects: new Set<string>() };
      e.findings++;
      const o = rep.Object;
      e.objects.add(
        `${o.Metadata.FilePath.split('/').pop()}#${o.K8sObject.GroupVersionKind.Kind}/${o.K8sObject.Namespace}/${o.K8sObject.Name}`,
      );
      theirs.set(id, e);
    }
    const version = spawnSync(kubeLinter, ['version'], { encoding: 'utf8' }).stdout.trim();
    kl = {
      available: true,
      measured: 'measured',
      version,
      path: kubeLinter,
      runsMs: times.map((x) => round(x)),
      medianMs: round(median(times)),
      minMs: round(Math.min(...times)),
      resourcesPerSec: Math.round((resources / median(times)) * 1000),
      note: 'whole process: start-up, reading the files, default checks (no schema validation)',
    };
  }

  const table = [...new Set([...ours.keys(), ...theirs.keys()])].sort().map((check) => {
    const a = ours.get(check);
    const b = theirs.get(check);
    const both = a && b ? [...a.objects].filter((o) => b.objects.has(o)).length : 0;
    // Without kube-linter its columns say "not measured", not 0.
    const na = kl.available ? undefined : 'not measured';
    return {
      check,
      kubeml: a?.findings ?? 0,
      kubeLinter: na ?? b?.findings ?? 0,
      kubemlObjects: a?.objects.size ?? 0,
      kubeLinterObjects: na ?? b?.objects.size ?? 0,
      objectsFlaggedByBoth: na ?? both,
    };
  });

  const med = median(withSchema);
  const result = {
    benchmark: 'lint',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg1m: round(loadavg()[0]!, 2), node: process.version },
    corpus: {
      files: corpus.length,
      documents: corpus.reduce((s, f) => s + f.documents, 0),
      resources,
      generator: 'bench/lint/corpus.ts (seed 42)',
    },
    kubeml: {
      schema: `bundled ${schema.schema.source} (${Object.keys(schema.schema.kinds).length} kinds)`,
      runsMs: withSchema.map((x) => round(x)),
      medianMs: round(med),
      minMs: round(Math.min(...withSchema)),
      resourcesPerSec: Math.round((resources / med) * 1000),
      cpuRunsMs: withSchemaCpu.map((x) => round(x)),
      cpuMedianMs: round(median(withSchemaCpu)),
      resourcesPerCpuSec: Math.round((resources / median(withSchemaCpu)) * 1000),
      cpuNote:
        'CPU time of the benchmark process per pass (process.cpuUsage, all threads): what the passes cost whatever else the shared machine runs; wall-clock figures above',
      withoutSchemaMedianMs: round(median(withoutSchema)),
      yamlParseOnlyMedianMs: round(median(parseOnly)),
      note: `in-process lintText over every file (files already read), all rules plus schema validation; the shipped code bundled as scripts/build.mjs does (bench/lint/inprocess.ts), ${RUNS} timed passes after 10 warm-up passes`,
      cliProcessMedianMs: round(median(cliTimes)),
      cliProcessResourcesPerSec: Math.round((resources / median(cliTimes)) * 1000),
      cliNote:
        'node <bundled kubeml lint> --format json DIR as a child process: start-up, reading, linting, output (like the kube-linter figure)',
    },
    kubeLinter: kl,
    ratio: kl.available
      ? {
          kubeLinterMsOverKubemlInProcessMs: round((kl.medianMs as number) / med, 2),
          kubeLinterMsOverKubemlCliMs: round((kl.medianMs as number) / median(cliTimes), 2),
        }
      : undefined,
    goal: {
      resourcesPerSec: 10000,
      met: (resources / med) * 1000 >= 10000,
      metOnCpuTime: (resources / median(withSchemaCpu)) * 1000 >= 10000,
    },
    findings: table,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'lint.json'), JSON.stringify(result, null, 2) + '\n');
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `lint: ${resources} resources in ${round(med)} ms median = ${result.kubeml.resourcesPerSec} resources/s (CPU ${result.kubeml.cpuMedianMs} ms median = ${result.kubeml.resourcesPerCpuSec}/s; load ${result.machine.loadavg1m}; yaml parse alone ${result.kubeml.yamlParseOnlyMedianMs} ms; without schema ${result.kubeml.withoutSchemaMedianMs} ms); CLI process ${result.kubeml.cliProcessMedianMs} ms`,
  );
  if (loadavg()[0]! > cpus().length)
    console.log(
      `note: load average ${round(loadavg()[0]!, 1)} on ${cpus().length} cores: other work shares the CPUs, so the wall-clock figures are pessimistic; the CPU-time figure does not count time spent waiting for a core.`,
    );
  if (kl.available)
    console.log(`kube-linter ${String(kl.version)}: ${String(kl.medianMs)} ms median = ${String(kl.resourcesPerSec)} resources/s`);
  else console.log(`kube-linter anchor not measured: ${NOT_MEASURED_REASON}`);
  console.table(table);
}

function objectNames(text: string): string[] {
  const out: string[] = [];
  for (const c of splitDocuments(text)) {
    if (isBlankChunk(c.text)) continue;
    const h = headOf(parseChunk(c.text).value);
    out.push(h ? `${h.kind}/${h.namespace ?? ''}/${h.name ?? ''}` : '?');
  }
  return out;
}

main();
