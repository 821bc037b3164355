// npm run bench            every benchmark in bench/*/run.{mjs,ts}
// npm run bench -- NAME    one of them (activation, api, drift, experiments, health, lint, explorer, queues, runs, sync)
// npm run bench -- NAME --flag ...   flags after the names go to each benchmark (for example
//                          `npm run bench -- drift --no-evidently`)
// Each writes JSON to bench/results/NAME.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../scripts/lib/setup.mjs';

const root = repoRoot();
process.chdir(root);
const names = readdirSync('bench').filter((d) => existsSync(join('bench', d, 'run.mjs')) || existsSync(join('bench', d, 'run.ts')));
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('--'));
const wanted = firstFlag < 0 ? args : args.slice(0, firstFlag);
const flags = firstFlag < 0 ? [] : args.slice(firstFlag);
for (const w of wanted) {
  if (!names.includes(w)) {
    console.error(`unknown benchmark "${w}"; there are: ${names.join(', ')}`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of wanted.length ? wanted : names) {
  const ts = existsSync(join('bench', name, 'run.ts'));
  console.error(`[bench] ${name}`);
  const r = ts
    ? spawnSync('npx', ['tsx', join('bench', name, 'run.ts'), ...flags], { stdio: 'inherit' })
    : spawnSync('node', [join('bench', name, 'run.mjs'), ...flags], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`[bench] ${name} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
