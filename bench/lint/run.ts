/**
 * Lint benchmark (issues 6 and 13): resources per second over a corpus of realistic manifests,
 * schema checks included, with two peers on the same corpus in the same run: kube-score (checks,
 * no schema) and kubeconform (schema only, against schemas made from the same Kubernetes OpenAPI
 * as KubeML's bundled one). Medians of several runs; the runs of `kubeml lint`, kube-score and
 * kubeconform take turns, so the shared machine's load falls on all three alike.
 * Writes bench/results/lint.json. Goals (reported, not asserted): >= 25,000 resources/s in process;
 * the `kubeml lint` process faster than both peers.
 *
 *   npm run bench -- lint            or   npx tsx bench/lint/run.ts [--docs N] [--runs N]
 *
 * In process: a bundled child process (bench/lint/inprocess.ts), wall-clock and CPU time per pass.
 * The peers come from `bash scripts/go-tool.sh kube-score|kubeconform` (built from their Go modules
 * once, cached in ~/.cache/kubeml/bin); kubeconform's schemas from bench/lint/kubeconform-schemas.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildSync } from 'esbuild';
import { isBlankChunk, parseChunk, splitDocuments } from '../../src/lint/document';
import { bundledValidator } from '../../src/lint/schema/bundled';
import { headOf } from '../../src/lint/workload';
import { makeCorpus } from './corpus';
import { BENCH_KUBERNETES, kubeconformSchemaDir } from './kubeconform-schemas';
import { goTool, kubeconformFindings, kubeScoreFindings, kubeScoreRejects, type KubeScoreObject } from './peers';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const DOCS = arg('docs', 1000);
const RUNS = arg('runs', 15);
const root = join(__dirname, '..', '..');
const GOAL_IN_PROCESS = 25_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const perSec = (resources: number, ms: number) => Math.round((resources / ms) * 1000);

/** kube-score's checks that look for what one of ours looks for (the granularity may differ). */
const KUBE_SCORE_SAME: Record<string, string> = {
  'latest-tag': 'container-image-tag',
  'privileged-container': 'container-security-context-privileged',
  'no-read-only-root-fs': 'container-security-context-readonlyrootfilesystem',
  'duplicate-env-var': 'environment-variable-key-duplication',
  'mismatching-selector': 'deployment-pod-selector-labels-match-template-metadata-labels',
};
/** Our schema checks: what kubeconform checks. */
const SCHEMA_RULES = new Set(['schema', 'unknown-field']);

function bundle(entry: string, outfile: string): void {
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    define: { 'import.meta.url': '__u' },
    banner: { js: "const __u = require('url').pathToFileURL(__filename).href;" },
  });
}

type Sample = { wallMs: number; cpuMs: number };
type InProcess = {
  withSchema: Sample[];
  withoutSchema: Sample[];
  parseOnly: Sample[];
  findings: Array<{ file: string; resources: number; findings: Array<{ ruleId: string; severity: string; docIndex: number }> }>;
};

/** One timed process run: wall-clock ms, exit status, stdout. */
/** One timed process run: wall-clock ms, CPU ms (user + system, all its threads), exit status, output. */
function timedRun(bin: string, args: string[]): { ms: number; cpuMs: number; status: number | null; stdout: string; stderr: string } {
  const c = childCpuMs();
  const t = performance.now();
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const ms = performance.now() - t;
  return { ms, cpuMs: childCpuMs() - c, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU time of this process's finished children (cutime + cstime in /proc/self/stat: the kernel adds
 * a child's user and system time, every thread, when it is reaped; 10 ms steps). What a run costs
 * whatever else the shared machine does; NaN where there is no /proc.
 */
function childCpuMs(): number {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, cutime 16 and cstime 17 (1-based, proc(5)).
    return ((Number(fields[16 - 3]) + Number(fields[17 - 3])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

function main(): void {
  const corpus = makeCorpus(DOCS);
  const dir = mkdtempSync(join(tmpdir(), 'kubeml-lint-bench-'));
  for (const f of corpus) writeFileSync(join(dir, f.name), f.text);
  const files = corpus.map((f) => join(dir, f.name));
  const schema = bundledValidator();
  mkdirSync(join(root, 'out', 'bench'), { recursive: true });

  // In process: the shipped code, bundled as scripts/build.mjs bundles it, in a child process of
  // its own (warm-up, then RUNS timed passes over every file: schema on, schema off, parse only).
  // The bundle finds schemas/ by walking up from out/bench.
  const inproc = join(root, 'out', 'bench', 'lint-inprocess.js');
  bundle(join(__dirname, 'inprocess.ts'), inproc);
  const child = spawnSync(process.execPath, [inproc, String(DOCS), String(RUNS)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`the in-process benchmark failed (exit ${String(child.status)}): ${child.stderr}`);
  const m = JSON.parse(child.stdout) as InProcess;
  const withSchema = m.withSchema.map((x) => x.wallMs);
  const withSchemaCpu = m.withSchema.map((x) => x.cpuMs);
  const resources = m.findings.reduce((s, r) => s + r.resources, 0);
  const resourcesIn = (names: Set<string>) => m.findings.filter((f) => names.has(f.file)).reduce((s, r) => s + r.resources, 0);

  // The command-line program as a process (start-up and file reading included), as the peers run:
  // src/cli/main.ts bundled as scripts/build.mjs bundles dist/cli.js.
  const cli = join(root, 'out', 'bench', 'lint-cli.js');
  bundle(join(root, 'src', 'cli', 'main.ts'), cli);
  const cliArgs = [cli, 'lint', '--format', 'json', dir];

  // The peers: binaries, kubeconform's schemas, the files kube-score can read.
  const ks = goTool(root, 'kube-score');
  const kc = goTool(root, 'kubeconform');
  let kcSchemas: string | undefined;
  let kcSchemaError: string | undefined;
  try {
    kcSchemas = kubeconformSchemaDir(BENCH_KUBERNETES);
  } catch (e) {
    kcSchemaError = (e as Error).message;
  }
  const kcArgs = kcSchemas
    ? [
        '-strict',
        '-summary',
        '-output',
        'json',
        '-ignore-missing-schemas',
        '-schema-location',
        join(kcSchemas, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
        dir,
      ]
    : [];
  let ksWhole: ReturnType<typeof timedRun> | undefined;
  let ksRejected: Array<{ file: string; error: string }> = [];
  let ksFiles: string[] = [];
  if ('path' in ks) {
    ksWhole = timedRun(ks.path, ['score', '--output-format', 'json', ...files]);
    if (!ksWhole.stdout.trim()) ksRejected = kubeScoreRejects(ks.path, files);
    const rejected = new Set(ksRejected.map((r) => r.file));
    ksFiles = files.filter((f) => !rejected.has(basename(f)));
  }
  const ksArgs = ['score', '--output-format', 'json', ...ksFiles];

  // Turns: kubeml lint, kube-score, kubeconform; one warm-up round (page cache, schema files).
  const times = { cli: [] as number[], ks: [] as number[], kc: [] as number[] };
  const cpu = { cli: [] as number[], ks: [] as number[], kc: [] as number[] };
  const last: Partial<Record<keyof typeof times, ReturnType<typeof timedRun>>> = {};
  for (let i = -1; i < RUNS; i++) {
    const turns: Array<[keyof typeof times, string, string[]]> = [['cli', process.execPath, cliArgs]];
    if ('path' in ks) turns.push(['ks', ks.path, ksArgs]);
    if ('path' in kc && kcSchemas) turns.push(['kc', kc.path, kcArgs]);
    for (const [k, bin, args] of turns) {
      const r = timedRun(bin, args);
      if (i >= 0) {
        times[k].push(r.ms);
        cpu[k].push(r.cpuMs);
      }
      last[k] = r;
    }
  }

  const cliOut = JSON.parse(last.cli!.stdout) as {
    findings: Array<{ ruleId: string; severity: string }>;
    summary: { resources: number; error: number; warning: number; info: number; hint: number };
  };
  const cliMed = median(times.cli);
  const kubemlCli = {
    command: `node <bundled src/cli/main.ts> ${cliArgs.slice(1).join(' ').replace(dir, 'DIR')}`,
    runsMs: times.cli.map((x) => round(x)),
    medianMs: round(cliMed),
    resourcesPerSec: perSec(resources, cliMed),
    ...cpuFigures(cpu.cli, resources),
    exitCode: last.cli!.status,
    findings: { total: cliOut.findings.length, bySeverity: pick(cliOut.summary, ['error', 'warning', 'info', 'hint']) },
    note: 'a child process: start-up, reading the files, every rule plus schema validation, JSON output',
  };

  // Our findings per check and per object (file#Kind/name).
  const ours = new Map<string, { findings: number; objects: Set<string> }>();
  const oursBySeverity: Record<string, number> = {};
  for (const { file, findings } of m.findings) {
    const names = objectNames(corpus.find((c) => c.name === file)!.text);
    for (const f of findings) {
      const e = ours.get(f.ruleId) ?? { findings: 0, objects: new Set<string>() };
      e.findings++;
      e.objects.add(`${file}#${names[f.docIndex] ?? f.docIndex}`);
      ours.set(f.ruleId, e);
      oursBySeverity[f.severity] = (oursBySeverity[f.severity] ?? 0) + 1;
    }
  }

  let kubeScore: Record<string, unknown> = 'path' in ks ? {} : ks;
  const ksObjects = new Map<string, Set<string>>();
  let ksResources = 0;
  if ('path' in ks) {
    const f = kubeScoreFindings(last.ks!.stdout);
    for (const o of JSON.parse(last.ks!.stdout) as KubeScoreObject[])
      for (const c of o.checks)
        if (!c.skipped && (c.grade === 1 || c.grade === 5)) {
          const set = ksObjects.get(c.check.id) ?? new Set<string>();
          set.add(`${basename(o.file_name)}#${o.type_meta.kind}/${o.object_name.split('/').pop()!}`);
          ksObjects.set(c.check.id, set);
        }
    ksResources = resourcesIn(new Set(ksFiles.map((x) => basename(x))));
    const med = median(times.ks);
    kubeScore = {
      available: true,
      version: ks.version,
      path: ks.path,
      command: 'kube-score score --output-format json FILE...',
      wholeCorpus: {
        exitCode: ksWhole!.status,
        scored: Boolean(ksWhole!.stdout.trim()),
        error: ksWhole!.stdout.trim() ? undefined : ksWhole!.stderr.trim().split('\n')[0],
      },
      rejectedFiles: ksRejected,
      filesScored: ksFiles.length,
      resourcesScored: ksResources,
      objectsInOutput: f.objects,
      runsMs: times.ks.map((x) => round(x)),
      medianMs: round(med),
      resourcesPerSec: perSec(ksResources, med),
      ...cpuFigures(cpu.ks, ksResources),
      exitCode: last.ks!.status,
      findings: { total: f.total, bySeverity: f.bySeverity, byCheck: f.byCheck },
      note: 'kube-score stops at the first object it cannot decode into the Kubernetes Go types (here: a string containerPort) and scores nothing; it is timed on the files it accepts (rejectedFiles: each refused alone), its resources per second over those files. Findings: one per object and failed check, critical or warning, skipped checks left out.',
    };
  }

  let kubeconform: Record<string, unknown> = 'path' in kc ? {} : kc;
  const kcInvalid = new Set<string>();
  if (!kcSchemas) kubeconform = { available: false, measured: 'not measured', reason: kcSchemaError };
  else if ('path' in kc) {
    const f = kubeconformFindings(last.kc!.stdout);
    for (const r of (JSON.parse(last.kc!.stdout) as { resources?: Array<{ filename: string; kind: string; name: string; status: string }> })
      .resources ?? [])
      if (r.status === 'statusInvalid') kcInvalid.add(`${basename(r.filename)}#${r.kind}/${r.name}`);
    const med = median(times.kc);
    kubeconform = {
      available: true,
      version: kc.version,
      path: kc.path,
      command: `kubeconform ${kcArgs.join(' ').replace(dir, 'DIR').replace(kcSchemas, 'SCHEMAS')}`,
      schemas: {
        dir: kcSchemas,
        source: `k8s.io/kubernetes@${BENCH_KUBERNETES} api/openapi-spec/swagger.json (the module scripts/lint-schema.ts reads KubeML's schema from), standalone-strict, made by bench/lint/kubeconform-schemas.ts`,
      },
      runsMs: times.kc.map((x) => round(x)),
      medianMs: round(med),
      resourcesPerSec: perSec(resources, med),
      ...cpuFigures(cpu.kc, resources),
      exitCode: last.kc!.status,
      findings: { invalid: f.invalid, errors: f.errors, skipped: f.skipped, valid: f.valid, invalidByKind: f.invalidByKind },
      note: 'schema validation only, 4 workers (its default); skipped = kinds without a schema (CRDs: PyTorchJob, InferenceService), as -ignore-missing-schemas asks',
    };
  }

  const table = [...ours.keys()].sort().map((check) => {
    const a = ours.get(check)!;
    const peer = KUBE_SCORE_SAME[check]
      ? `kube-score ${KUBE_SCORE_SAME[check]}`
      : SCHEMA_RULES.has(check)
        ? 'kubeconform invalid'
        : undefined;
    const theirs = KUBE_SCORE_SAME[check]
      ? (ksObjects.get(KUBE_SCORE_SAME[check]!) ?? new Set<string>())
      : SCHEMA_RULES.has(check)
        ? kcInvalid
        : undefined;
    return {
      check,
      kubeml: a.findings,
      kubemlObjects: a.objects.size,
      peerCheck: peer ?? '',
      peerObjects: theirs?.size ?? '',
      objectsFlaggedByBoth: theirs ? [...a.objects].filter((o) => theirs.has(o.replace(/#(\w+)\/[^/]*\//, '#$1/'))).length : '',
    };
  });

  const med = median(withSchema);
  const inProcessPerSec = perSec(resources, med);
  const ksPerSec = kubeScore.resourcesPerSec as number | undefined;
  const kcPerSec = kubeconform.resourcesPerSec as number | undefined;
  const ksCpu = kubeScore.resourcesPerCpuSec as number | undefined;
  const kcCpu = kubeconform.resourcesPerCpuSec as number | undefined;
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
      resourcesPerSec: inProcessPerSec,
      cpuRunsMs: withSchemaCpu.map((x) => round(x)),
      cpuMedianMs: round(median(withSchemaCpu)),
      resourcesPerCpuSec: perSec(resources, median(withSchemaCpu)),
      cpuNote:
        'CPU time of the benchmark process per pass (process.cpuUsage, all threads): what the passes cost whatever else the shared machine runs; wall-clock figures above',
      withoutSchemaMedianMs: round(median(m.withoutSchema.map((x) => x.wallMs))),
      yamlParseOnlyMedianMs: round(median(m.parseOnly.map((x) => x.wallMs))),
      findings: { total: [...ours.values()].reduce((s, x) => s + x.findings, 0), bySeverity: oursBySeverity },
      note: `in-process lintText over every file (files already read), all rules plus schema validation; the shipped code bundled as scripts/build.mjs does (bench/lint/inprocess.ts), ${RUNS} timed passes after 10 warm-up passes`,
      cli: kubemlCli,
    },
    kubeScore,
    kubeconform,
    ratios: {
      note: 'throughput ratios (resources per second), since kube-score reads fewer files; above 1: kubeml is faster',
      kubemlInProcessOverKubeScore: ksPerSec ? round(inProcessPerSec / ksPerSec, 2) : 'not measured',
      kubemlInProcessOverKubeconform: kcPerSec ? round(inProcessPerSec / kcPerSec, 2) : 'not measured',
      kubemlCliOverKubeScore: ksPerSec ? round(kubemlCli.resourcesPerSec / ksPerSec, 2) : 'not measured',
      kubemlCliOverKubeconform: kcPerSec ? round(kubemlCli.resourcesPerSec / kcPerSec, 2) : 'not measured',
      kubemlCliOverKubeScoreOnCpuTime: ksCpu ? round(kubemlCli.resourcesPerCpuSec / ksCpu, 2) : 'not measured',
      kubemlCliOverKubeconformOnCpuTime: kcCpu ? round(kubemlCli.resourcesPerCpuSec / kcCpu, 2) : 'not measured',
    },
    goals: {
      inProcessResourcesPerSec: { goal: GOAL_IN_PROCESS, measured: inProcessPerSec, met: inProcessPerSec >= GOAL_IN_PROCESS },
      inProcessResourcesPerCpuSec: {
        goal: GOAL_IN_PROCESS,
        measured: perSec(resources, median(withSchemaCpu)),
        met: perSec(resources, median(withSchemaCpu)) >= GOAL_IN_PROCESS,
      },
      cliFasterThanKubeScore: fasterGoal(kubemlCli, ksPerSec, ksCpu),
      cliFasterThanKubeconform: fasterGoal(kubemlCli, kcPerSec, kcCpu),
    },
    findings: table,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'lint.json'), JSON.stringify(result, null, 2) + '\n');
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `lint: ${resources} resources in ${round(med)} ms median = ${inProcessPerSec} resources/s in process (goal ${GOAL_IN_PROCESS}; CPU ${result.kubeml.cpuMedianMs} ms median = ${result.kubeml.resourcesPerCpuSec}/s; load ${result.machine.loadavg1m}; yaml parse alone ${result.kubeml.yamlParseOnlyMedianMs} ms; without schema ${result.kubeml.withoutSchemaMedianMs} ms)`,
  );
  console.log(
    `kubeml lint process: ${kubemlCli.medianMs} ms median = ${kubemlCli.resourcesPerSec} resources/s (CPU ${kubemlCli.cpuMedianMs} ms), exit ${String(kubemlCli.exitCode)}`,
  );
  for (const [name, r] of [
    ['kube-score', kubeScore],
    ['kubeconform', kubeconform],
  ] as const)
    console.log(
      r.available === false
        ? `${name} not measured: ${String(r.reason)}`
        : `${name} ${String(r.version)}: ${String(r.medianMs)} ms median = ${String(r.resourcesPerSec)} resources/s (CPU ${String(r.cpuMedianMs)} ms), exit ${String(r.exitCode)}`,
    );
  if (loadavg()[0]! > cpus().length)
    console.log(
      `note: load average ${round(loadavg()[0]!, 1)} on ${cpus().length} cores: other work shares the CPUs, so the wall-clock figures are pessimistic; the CPU-time figure does not count time spent waiting for a core.`,
    );
  console.table(table);
}

function fasterGoal(
  ours: { resourcesPerSec: number; resourcesPerCpuSec: number },
  wall: number | undefined,
  cpuPerSec: number | undefined,
) {
  if (!wall) return { measured: 'not measured', met: 'not measured' };
  return {
    measured: `${ours.resourcesPerSec} vs ${wall} resources/s (CPU time: ${ours.resourcesPerCpuSec} vs ${String(cpuPerSec)} resources per CPU second)`,
    met: ours.resourcesPerSec > wall,
    metOnCpuTime: cpuPerSec ? ours.resourcesPerCpuSec > cpuPerSec : 'not measured',
  };
}

/** CPU time per process run (user + system, all threads), and resources per CPU second. */
function cpuFigures(ms: number[], resources: number): { cpuRunsMs: number[]; cpuMedianMs: number; resourcesPerCpuSec: number } {
  return { cpuRunsMs: ms.map((x) => round(x)), cpuMedianMs: round(median(ms)), resourcesPerCpuSec: perSec(resources, median(ms)) };
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
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
