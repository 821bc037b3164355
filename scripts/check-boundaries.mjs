// The walls between the parts of src/ (README, "Architecture"), checked two ways:
//  1. on the resolved import graph of the sources (tests aside): no feature imports another
//     feature; model/ imports no feature; cluster/ and common/ import neither features nor model/;
//     only the composition roots (extension.ts, extensionMain.ts, lazy/, cli/) see every feature;
//     only cluster/http.ts imports node-fetch;
//  2. ESLint (eslint.config.mjs) is shown planted reach-ins and must refuse each, and accept the
//     imports the walls allow, so a new reach-in fails `npm run lint` too.
// Prints one line per check and "boundaries: N passed, N failed"; exits 1 on a failure.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const FEATURES = ['drift', 'explorer', 'lint', 'runs', 'sync', 'experiments', 'queues', 'health'];
const ROOTS = new Set(['extension.ts', 'extensionMain.ts', 'lazy', 'cli']);
const SHARED = new Set(['constants.ts']);

/** What each part may import besides itself. */
function allowed(from, to) {
  if (from === to || SHARED.has(to) || ROOTS.has(from)) return true;
  if (FEATURES.includes(from)) return to === 'cluster' || to === 'common' || to === 'model';
  if (from === 'model') return to === 'cluster' || to === 'common';
  if (from === 'cluster') return to === 'common';
  if (from === 'common') return false;
  return false;
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !/\/fake[^/]*\.ts$/.test(p)) yield p;
  }
}

const partOf = (file) => relative(src, file).split('/')[0];
function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, join(base, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c;
  return undefined;
}

let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};

// 1. The resolved graph.
const violations = [];
const pairs = new Map();
for (const file of walk(src)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(
    /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec === 'node-fetch' && relative(root, file) !== 'src/cluster/http.ts')
      violations.push(`${relative(root, file)} imports node-fetch (only src/cluster/http.ts may)`);
    if (!spec.startsWith('.')) continue;
    const target = resolveImport(file, spec);
    if (!target) continue;
    const from = partOf(file);
    const to = partOf(target);
    if (from !== to) pairs.set(`${from} -> ${to}`, (pairs.get(`${from} -> ${to}`) ?? 0) + 1);
    if (!allowed(from, to)) violations.push(`${relative(root, file)} -> ${relative(root, target)} (${from} may not import ${to})`);
  }
}
for (const v of violations) console.log(`     ${v}`);
check(
  violations.length === 0,
  `import graph of src/: ${[...pairs.values()].reduce((a, b) => a + b, 0)} edges between parts, ${violations.length} across a wall`,
);
if (process.argv.includes('--graph')) for (const [k, n] of [...pairs].sort()) console.log(`     ${k}: ${n}`);

// 2. ESLint refuses planted reach-ins and accepts what the walls allow.
const { ESLint } = await import('eslint');
// typescript-eslint parses from the TypeScript program on disk, not from the text given, when it
// infers a "single run" (CI=true or the eslint binary): the planted code would never be seen and
// every refusal would fail. The planted cases need the text parsed as given.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { files: ['**/*.ts'], languageOptions: { parserOptions: { disallowAutomaticSingleRunInference: true } } },
});
const cases = [
  {
    file: 'src/drift/remote.ts',
    code: "import { rerun } from '../explorer/actions';\nexport const x = rerun;\n",
    refused: true,
    what: 'a feature reaching into another feature (drift -> explorer)',
  },
  {
    file: 'src/runs/launcher.ts',
    code: "import { parseListing } from '../sync/session';\nexport const x = parseListing;\n",
    refused: true,
    what: 'runs -> sync',
  },
  {
    file: 'src/explorer/rows/jobs.ts',
    code: "import { lintText } from '../../lint/engine';\nexport const x = lintText;\n",
    refused: true,
    what: 'a feature subfolder reaching into another feature (explorer/rows -> lint)',
  },
  {
    file: 'src/drift/commands.ts',
    code: "import * as vscode from 'vscode';\nimport { RunCommands } from '../runs/commands';\nexport const x = [vscode, RunCommands];\n",
    refused: true,
    what: 'an editor skin reaching into another feature (drift/commands -> runs)',
  },
  {
    file: 'src/model/runRecords.ts',
    code: "import { generateRun } from '../runs/generate';\nexport const x = generateRun;\n",
    refused: true,
    what: 'the leaf importing a feature (model -> runs)',
  },
  {
    file: 'src/cluster/read/objects.ts',
    code: "import { RunStore } from '../../model/runRecords';\nexport const x = RunStore;\n",
    refused: true,
    what: 'cluster importing model',
  },
  {
    file: 'src/common/errors.ts',
    code: "import { KubeClient } from '../cluster/client';\nexport const x = KubeClient;\n",
    refused: true,
    what: 'common importing cluster',
  },
  {
    file: 'src/drift/engine.ts',
    code: "import * as vscode from 'vscode';\nexport const x = vscode;\n",
    refused: true,
    what: "a pure module importing 'vscode'",
  },
  {
    file: 'src/drift/prometheus.ts',
    code: "import fetch from 'node-fetch';\nexport const x = fetch;\n",
    refused: true,
    what: 'node-fetch outside the HTTP stack',
  },
  {
    file: 'src/explorer/dcgm.ts',
    code: "export const x = () => fetch('http://127.0.0.1');\n",
    refused: true,
    what: 'the global fetch outside the HTTP stack',
  },
  {
    file: 'src/drift/remote.ts',
    code: "import { type DriftReport } from '../model/driftReport';\nimport { type KubeClient } from '../cluster/client';\nimport { KubeMLError } from '../common/errors';\nimport { readTable } from './readers';\nexport const x: [DriftReport?, KubeClient?] = [];\nexport const y = [KubeMLError, readTable];\n",
    refused: false,
    what: 'a feature importing model, cluster, common and itself',
  },
  {
    file: 'src/drift/commands.ts',
    code: "import * as vscode from 'vscode';\nimport { Commands } from '../constants';\nexport const x = [vscode, Commands];\n",
    refused: false,
    what: "an editor skin importing 'vscode' and constants",
  },
  {
    file: 'src/lazy/entries/runs.ts',
    code: "export { RunCommands } from '../../runs/commands';\nexport { DriftCommands } from '../../drift/commands';\n",
    refused: false,
    what: 'a composition root importing features',
  },
];
for (const c of cases) {
  const [res] = await eslint.lintText(c.code, { filePath: join(root, c.file) });
  const hits = res.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals');
  const fatal = res.messages.filter((m) => m.fatal);
  check(
    fatal.length === 0 && (c.refused ? hits.length > 0 : hits.length === 0),
    `eslint ${c.refused ? 'refuses' : 'accepts'} ${c.what}${fatal.length ? ` (parse error: ${fatal[0].message})` : ''}${!c.refused && hits.length ? `: ${hits[0].message}` : ''}`,
  );
}

console.log(`boundaries: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
