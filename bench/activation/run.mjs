// bench activation: activation time of the packaged build in the real extension host.
// The .vsix is installed into code-server; each sample is a fresh extension host (a new
// code-server and workbench page) on an empty folder, timing ext.activate(). Writes bench/results/activation.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, startCodeServer, workbenchUrl } from '../../scripts/lib/codeserver.mjs';
import { ensureCodeServer, repoRoot } from '../../scripts/lib/setup.mjs';
import { packageVsix } from '../../scripts/package.mjs';

const SAMPLES = Number(process.env.KUBEML_BENCH_SAMPLES ?? 11);
const root = repoRoot();
process.chdir(root);
const vsix = packageVsix(root);
execFileSync('node', ['scripts/build.mjs', '--tests'], { stdio: 'inherit' });
const extensionsDir = mkdtempSync(join(tmpdir(), 'kubeml-bench-ext-'));
execFileSync(ensureCodeServer(), ['--install-extension', vsix, '--extensions-dir', extensionsDir], { stdio: 'inherit' });
const folder = mkdtempSync(join(tmpdir(), 'kubeml-bench-empty-'));
const out = join(tmpdir(), `kubeml-activation-${process.pid}.jsonl`);
rmSync(out, { force: true });
// A fresh code-server per sample: one server keeps earlier extension hosts alive for a while,
// and their number would grow with every sample.
const browser = await launchChromium();
try {
  for (let i = 0; i < SAMPLES; i++) {
    const server = await startCodeServer({ folder, extensionsDir, env: { KUBEML_BENCH_OUT: out, KUBECONFIG: '/nonexistent/kubeml-bench' } });
    try {
      const page = await browser.newPage();
      const done = new Promise((r) => page.exposeFunction('codeAutomationExit', r));
      await page.goto(workbenchUrl(server, { folder, extensionDevelopmentPath: join(root, 'test/installed/host'), extensionTestsPath: join(root, 'out/test/bench/index.js') }));
      const code = await Promise.race([done, new Promise((r) => setTimeout(() => r('timeout'), 120_000))]);
      await page.close();
      if (code !== 0) throw new Error(`sample ${i + 1} failed (exit ${code})`);
    } finally {
      await server.stop();
    }
    process.stderr.write(`[bench:activation] sample ${i + 1}/${SAMPLES}\n`);
  }
} finally {
  await browser.close().catch(() => {});
}
const samples = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const ms = samples.map((s) => s.activateMs).sort((a, b) => a - b);
const median = ms[Math.floor(ms.length / 2)];
const result = {
  benchmark: 'activation',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  vscode: samples[0].vscode,
  build: 'packaged .vsix (production bundle) installed with --install-extension',
  samples: ms.map((v) => Math.round(v * 10) / 10),
  medianMs: Math.round(median * 10) / 10,
  minMs: Math.round(ms[0] * 10) / 10,
  maxMs: Math.round(ms[ms.length - 1] * 10) / 10,
  goalMs: 50,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/activation.json', JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
rmSync(extensionsDir, { recursive: true, force: true });
rmSync(folder, { recursive: true, force: true });
