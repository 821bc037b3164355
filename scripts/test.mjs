// npm test: everything CI checks, in order, with one total at the end.
//   npm test                 all layers
//   npm test -- unit vscode  only those layers
// Layers: static (typecheck, lint, contributions, boundaries), unit, fuzz (random and mutated inputs
// for the parsers, fixed seed), integration (local cluster), vscode (suites in a
// real VS Code), package (the .vsix installed into code-server), e2e (Playwright as a user).
// KUBEML_CLUSTER=off skips bringing the local cluster up (cluster-dependent tests then fail
// or are skipped with the reason in their names).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { ensureApt, ensureNodeModules, log, repoRoot } from './lib/setup.mjs';

const root = repoRoot();
process.chdir(root);
const ALL = ['static', 'unit', 'fuzz', 'integration', 'vscode', 'package', 'e2e'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const layers = wanted.length ? wanted : ALL;
for (const l of layers) {
  if (!ALL.includes(l)) {
    console.error(`unknown test layer "${l}"; layers: ${ALL.join(', ')}`);
    process.exit(2);
  }
}

const t0 = Date.now();
ensureNodeModules(root);
// The sync tests run the pod-side scripts with BusyBox's applets too (what small images ship).
if (layers.includes('unit')) ensureApt(['busybox']);
const { clusterUp } = await import('./lib/cluster.mjs');
const { readLayerResult, countsLine } = await import('./lib/results.mjs');
rmSync('test-results', { recursive: true, force: true });
mkdirSync('test-results', { recursive: true });

// Each layer has a time budget. A layer that overruns it (a hung process, a test that never
// ends) is stopped with its whole process group and counted as failed, so `npm test` always ends
// with a report well inside CI's 90 minutes. KUBEML_LAYER_BUDGET_S overrides every budget.
const DEADLINE_S = Number(process.env.KUBEML_TEST_DEADLINE_S) || 80 * 60;
const BUDGET_S = { static: 600, unit: 600, fuzz: 600, integration: 1800, vscode: 1200, package: 900, e2e: 1800 };

/** mocha on TypeScript files outside the unit suite's config, reporting handles left open. */
function mochaArgs(files) {
  return [
    'mocha',
    '--no-config',
    '--require',
    'tsx/cjs',
    '--require',
    'test/support/openHandles.cjs',
    '--exit',
    '--extension',
    'ts',
    '--timeout',
    '600000',
    files,
  ];
}

/** Runs a command in its own process group, echoing its output, and returns { code, output }. */
function sh(cmd, args, env = {}, budgetS = 1800) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let done = false;
    const tee = (stream) => (d) => {
      output += d.toString();
      stream.write(d);
    };
    p.stdout.on('data', tee(process.stdout));
    p.stderr.on('data', tee(process.stderr));
    const killGroup = (sig) => {
      try {
        process.kill(-p.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const finish = (code) => {
      if (done) return;
      done = true;
      clearTimeout(watchdog);
      resolve({ code, output });
    };
    const watchdog = setTimeout(() => {
      const msg = `\n[test] ${cmd} ${args.join(' ')} overran its ${budgetS} s budget: stopping it and counting the layer as failed\n`;
      output += msg;
      process.stderr.write(msg);
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 10_000).unref();
      setTimeout(() => finish(124), 12_000).unref();
    }, budgetS * 1000);
    // 'close' waits for every holder of the pipes; a stray grandchild (a daemon a test started)
    // may hold them forever. The process's own exit, plus a moment to drain, is enough.
    p.on('exit', (code, signal) => {
      setTimeout(() => {
        if (!done && p.stdout.readable)
          process.stderr.write(`[test] ${cmd} exited but something it started still holds its output; not waiting for it\n`);
        killGroup('SIGTERM');
        finish(code ?? (signal ? 128 : 1));
      }, 3000).unref();
    });
    p.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

/** Counts from mocha's spec reporter ("N passing", "N failing", "N pending"). */
function mochaCounts({ code, output }) {
  const num = (re) => Number(output.match(re)?.[1] ?? 0);
  const counts = { passed: num(/(\d+) passing/), failed: num(/(\d+) failing/), skipped: num(/(\d+) pending/) };
  if (code !== 0 && counts.failed === 0) counts.failed = 1; // crashed before reporting
  return counts;
}

const results = [];
function record(layer, counts, ms) {
  results.push({ layer, ...counts, seconds: Math.round(ms / 100) / 10 });
  console.log(`\n== ${layer}: ${countsLine(counts)} (${(ms / 1000).toFixed(1)} s)\n`);
}

// helm and kustomize render charts and kustomizations in the integration layer's lint tests. They
// build from their Go modules (minutes cold, cached by version) in the background while the static,
// unit and fuzz layers run; the integration layer waits for them and gets their paths.
const RENDER_TOOLS = { helm: 'KUBEML_HELM', kustomize: 'KUBEML_KUSTOMIZE' };
const renderTools = layers.includes('integration') ? buildGoTools(Object.keys(RENDER_TOOLS)) : Promise.resolve({});

/** Builds the tools one after the other (two cores: the layers run meanwhile); resolves name -> path. */
async function buildGoTools(names) {
  const paths = {};
  for (const name of names) {
    const r = await new Promise((resolve) => {
      const p = spawn('bash', ['scripts/go-tool.sh', name], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => {
        const line = d.toString();
        if (/\[go-tool\]|go-tool:/.test(line)) process.stderr.write(line);
      });
      p.on('close', (code) => resolve({ code, out: out.trim() }));
    });
    if (r.code === 0 && r.out) paths[name] = r.out;
    else console.error(`[test] ${name} could not be built (exit ${r.code}); the tests that render with it say so`);
  }
  return paths;
}

let kubeconfig;
for (const layer of layers) {
  const start = Date.now();
  log('test', `layer ${layer}`);
  // The whole run also stays within KUBEML_TEST_DEADLINE_S (default 80 min, inside CI's 90).
  const left = Math.floor(DEADLINE_S - (Date.now() - t0) / 1000);
  if (left < 30) {
    console.error(`[test] layer ${layer} not run: the run is past its ${DEADLINE_S} s deadline`);
    record(layer, { passed: 0, failed: 1, skipped: 0 }, 0);
    continue;
  }
  const budget = Math.min(Number(process.env.KUBEML_LAYER_BUDGET_S) || BUDGET_S[layer], left);
  if (layer === 'static') {
    const tc = await sh('npx', ['tsc', '-p', '.', '--noEmit'], {}, budget);
    const lint = await sh('npx', ['eslint', '.'], {}, budget);
    const cmds = await sh('node', ['scripts/check-contributions.mjs'], {}, budget);
    const walls = await sh('node', ['scripts/check-boundaries.mjs'], {}, budget);
    const waits = await sh('node', ['scripts/check-e2e-waits.mjs'], {}, budget);
    const format = await sh('npx', ['prettier', '--check', '.'], {}, budget);
    const checks = [tc, lint, cmds, walls, waits, format];
    const failed = checks.filter((r) => r.code !== 0).length;
    record(
      'static (typecheck, lint, contributions, boundaries, e2e waits, format)',
      { passed: checks.length - failed, failed, skipped: 0 },
      Date.now() - start,
    );
  } else if (layer === 'unit') {
    record('unit', mochaCounts(await sh('npx', ['mocha'], {}, budget)), Date.now() - start);
  } else if (layer === 'fuzz') {
    record('fuzz', mochaCounts(await sh('npx', mochaArgs('test/fuzz/*.test.ts'), {}, budget)), Date.now() - start);
  } else if (layer === 'integration') {
    if (process.env.KUBEML_CLUSTER !== 'off') {
      try {
        kubeconfig = clusterUp();
      } catch (e) {
        console.error(`[test] the local cluster did not come up: ${e.message}`);
        record('integration', { passed: 0, failed: 1, skipped: 0 }, Date.now() - start);
        continue;
      }
    }
    if (!existsSync('test/integration')) continue;
    const env = kubeconfig ? { KUBEML_KUBECONFIG: kubeconfig } : {};
    const tools = await renderTools;
    for (const [name, variable] of Object.entries(RENDER_TOOLS)) if (tools[name]) env[variable] = tools[name];
    record('integration', mochaCounts(await sh('npx', mochaArgs('test/integration/**/*.test.ts'), env, budget)), Date.now() - start);
  } else {
    const script = { vscode: 'scripts/test-vscode.mjs', package: 'scripts/test-package.mjs', e2e: 'scripts/test-e2e.mjs' }[layer];
    const r = await sh('node', [script], {}, budget);
    const counts = readLayerResult(layer) ?? { passed: 0, failed: 1, skipped: 0 };
    if (r.code !== 0 && counts.failed === 0) counts.failed = 1;
    record(layer, counts, Date.now() - start);
  }
}

const total = results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), {
  passed: 0,
  failed: 0,
  skipped: 0,
});
console.log('\nKubeML test summary');
for (const r of results) console.log(`  ${r.layer.padEnd(42)} ${countsLine(r)}  ${r.seconds} s`);
console.log(`  total time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
