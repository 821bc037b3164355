// bench activation: activation time of the packaged build in the real extension host.
// The .vsix is installed into code-server; each sample is a fresh extension host (a new
// code-server and workbench page) on an empty folder that activates KubeML once. The figure is
// VS Code's own activation time of the extension (loading its bundle plus the activate() call,
// from the host's performance marks); the wall-clock time of ext.activate() seen from another
// extension is recorded too. Writes bench/results/activation.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
    const server = await startCodeServer({
      folder,
      extensionsDir,
      env: { KUBEML_BENCH_OUT: out, KUBECONFIG: '/nonexistent/kubeml-bench' },
    });
    try {
      const page = await browser.newPage();
      const done = new Promise((r) => page.exposeFunction('codeAutomationExit', r));
      await page.goto(
        workbenchUrl(server, {
          folder,
          extensionDevelopmentPath: join(root, 'test/installed/host'),
          extensionTestsPath: join(root, 'out/test/bench/index.js'),
        }),
      );
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
const samples = readFileSync(out, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const missing = samples.filter((s) => typeof s.codeLoadMs !== 'number' || typeof s.activateCallMs !== 'number');
if (missing.length)
  throw new Error(`${missing.length} sample(s) have no extension-host performance marks for KubeML, so its activation time is unknown`);
const round = (v) => Math.round(v * 10) / 10;
const stats = (values) => {
  const v = [...values].sort((a, b) => a - b);
  return { samples: v.map(round), medianMs: round(v[Math.floor(v.length / 2)]), minMs: round(v[0]), maxMs: round(v[v.length - 1]) };
};
// The installed build's own files (the repository's dist/ now holds the --tests development build).
const installedDist = join(samples[0].extensionPath, 'dist');
const activation = stats(samples.map((s) => s.codeLoadMs + s.activateCallMs));
const result = {
  benchmark: 'activation',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg1m: loadavg()[0] },
  vscode: samples[0].vscode,
  build: 'packaged .vsix (production bundle) installed with --install-extension',
  metric:
    "VS Code's activation time of the extension: require() of its main bundle plus the activate() call until its result resolves, " +
    'from the extension host performance marks code/extHost/{will,did}LoadExtensionCode and {will,did}ActivateExtension (1 ms resolution)',
  ...activation,
  goalMs: 50,
  codeLoad: stats(samples.map((s) => s.codeLoadMs)),
  activateCall: stats(samples.map((s) => s.activateCallMs)),
  wall: {
    what:
      'ext.activate() awaited by another extension in the same host: adds the host own work, chiefly waiting for the extension storage ' +
      '(a round trip to the window, busy starting the workbench) while the bundle loads; it varies with the machine load',
    ...stats(samples.map((s) => s.activateMs)),
  },
  loadedAtActivation: [...new Set(samples.flatMap((s) => s.loaded ?? []))].sort(),
  bundles: Object.fromEntries(
    readdirSync(installedDist)
      .filter((f) => f.endsWith('.js'))
      .sort()
      .map((f) => [f, statSync(join(installedDist, f)).size]),
  ),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/activation.json', JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
rmSync(extensionsDir, { recursive: true, force: true });
rmSync(folder, { recursive: true, force: true });
