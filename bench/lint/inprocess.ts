/**
 * The timed part of the lint benchmark, bundled by bench/lint/run.ts with esbuild as the extension
 * and the CLI are (scripts/build.mjs: no keepNames, CommonJS, node20), so it measures the code that
 * ships rather than tsx's per-module transpilation. Prints one JSON object on stdout.
 *
 *   node out/bench/lint-inprocess.js DOCS RUNS
 */
import { isBlankChunk, parseChunk, splitDocuments } from '../../src/lint/document';
import { lintText, type LintResult } from '../../src/lint/engine';
import { bundledValidator } from '../../src/lint/schema/bundled';
import { makeCorpus } from './corpus';

const DOCS = Number(process.argv[2] ?? 1000);
const RUNS = Number(process.argv[3] ?? 25);
const WARMUP = 10;

function lintAll(corpus: ReturnType<typeof makeCorpus>, schema: boolean): Array<{ file: string; result: LintResult }> {
  const bundled = bundledValidator();
  return corpus.map((f) => ({ file: f.name, result: lintText(f.text, { bundledSchema: bundled, schema, timeBudgetMs: 60_000 }) }));
}

/** Wall-clock and CPU time (this process, all threads: the garbage collector's helpers included) of one call. */
function timed<T>(fn: () => T): { wallMs: number; cpuMs: number; value: T } {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = fn();
  const wallMs = performance.now() - t;
  const d = process.cpuUsage(c);
  return { wallMs, cpuMs: (d.user + d.system) / 1000, value };
}

function main(): void {
  const corpus = makeCorpus(DOCS);
  // Warm-up: JIT, lazy schema compilation.
  for (let i = 0; i < WARMUP; i++) lintAll(corpus, true);
  const withSchema: Array<{ wallMs: number; cpuMs: number }> = [];
  const withoutSchema: Array<{ wallMs: number; cpuMs: number }> = [];
  const parseOnly: Array<{ wallMs: number; cpuMs: number }> = [];
  let last: Array<{ file: string; result: LintResult }> = [];
  for (let i = 0; i < RUNS; i++) {
    const a = timed(() => lintAll(corpus, true));
    last = a.value;
    withSchema.push({ wallMs: a.wallMs, cpuMs: a.cpuMs });
    const b = timed(() => lintAll(corpus, false));
    withoutSchema.push({ wallMs: b.wallMs, cpuMs: b.cpuMs });
    const c = timed(() => {
      for (const f of corpus) for (const ch of splitDocuments(f.text)) if (!isBlankChunk(ch.text)) parseChunk(ch.text);
    });
    parseOnly.push({ wallMs: c.wallMs, cpuMs: c.cpuMs });
  }
  const findings = last.map(({ file, result }) => ({
    file,
    resources: result.resources,
    findings: result.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, docIndex: f.docIndex })),
  }));
  process.stdout.write(JSON.stringify({ withSchema, withoutSchema, parseOnly, findings }));
}

main();
