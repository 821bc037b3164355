/**
 * Experiments benchmarks: runs every part in this folder (each NAME.ts other than run.ts exports
 * `run(argv)` that returns its results) and writes bench/results/experiments.json, one key per
 * part; the parts that did not run this time keep their last results.
 *
 *   npx tsx bench/experiments/run.ts [--only NAME] [part flags...]
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

interface Part {
  run(argv: readonly string[]): Promise<Record<string, unknown>>;
}

async function main() {
  const argv = process.argv.slice(2);
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const parts = readdirSync(__dirname)
    .filter((f) => /^[a-z][a-z0-9-]*\.ts$/.test(f) && f !== 'run.ts' && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .filter((n) => !only || n === only);
  const out = join(__dirname, '..', 'results', 'experiments.json');
  const prev = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { parts?: Record<string, unknown> }) : {};
  const results: Record<string, unknown> = { ...(prev.parts ?? {}) };
  let failed = 0;
  for (const name of parts) {
    console.error(`[bench experiments] ${name}`);
    try {
      const part = (await import(join(__dirname, `${name}.ts`))) as Part;
      const load = loadavg()[0];
      results[name] = { date: new Date().toISOString(), load_average_before: Number(load.toFixed(1)), ...(await part.run(argv)) };
    } catch (e) {
      failed++;
      console.error(`[bench experiments] ${name} failed: ${(e as Error).stack ?? String(e)}`);
    }
  }
  const doc = {
    benchmark: 'experiments',
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    parts: results,
  };
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  console.error(`[bench experiments] wrote ${out}`);
  process.exit(failed ? 1 : 0);
}

void main();
