// Starts a real VS Code (code-server) on loopback and drives it with headless Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureChromium, ensureCodeServer, log } from './setup.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, timeoutMs, proc) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (proc.exitCode !== null) throw new Error(`code-server exited with code ${proc.exitCode} before it answered`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

/**
 * Starts code-server. Options: folder (workspace), extensionsDir, userDataDir, settings (user
 * settings.json object), env (extra environment for the extension host), port.
 */
export async function startCodeServer(opts = {}) {
  const bin = ensureCodeServer();
  const port = opts.port ?? (await freePort());
  const scratch = mkdtempSync(join(tmpdir(), 'kubeml-cs-'));
  const userDataDir = opts.userDataDir ?? join(scratch, 'user-data');
  const extensionsDir = opts.extensionsDir ?? join(scratch, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'security.workspace.trust.enabled': false,
    'window.commandCenter': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    ...opts.settings,
  };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--extensions-dir',
    extensionsDir,
    '--user-data-dir',
    userDataDir,
    ...(opts.trust === false ? [] : ['--disable-workspace-trust']),
  ];
  if (opts.folder) args.push(opts.folder);
  const proc = spawn(bin, args, {
    env: { ...process.env, ...opts.env, SHELL: '/bin/bash' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = [];
  const keep = (d) => {
    output.push(d.toString());
    if (output.length > 400) output.splice(0, 100);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, 60_000, proc);
  log('code-server', `listening at ${url}`);
  const stop = async () => {
    if (proc.exitCode === null) {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await new Promise((r) => {
        const t = setTimeout(() => {
          try {
            process.kill(-proc.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
          r();
        }, 5000);
        proc.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    if (!opts.keepScratch) rmSync(scratch, { recursive: true, force: true });
  };
  return { url, port, proc, userDataDir, extensionsDir, output, stop };
}

export async function launchChromium() {
  const executablePath = ensureChromium();
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** The workbench URL that opens `folder` and, optionally, runs a test suite in the extension host. */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const q = new URLSearchParams();
  if (folder) q.set('folder', folder);
  if (payload.length) q.set('payload', JSON.stringify(payload));
  return `${server.url}/?${q.toString()}`;
}

/**
 * Runs a mocha suite inside the extension host of a fresh code-server and resolves with the
 * exit code the workbench reports (0 when the suite's run() resolved).
 */
export async function runSuiteInCodeServer({
  folder,
  extensionDevelopmentPath,
  extensionTestsPath,
  env,
  settings,
  extensionsDir,
  timeoutMs = 15 * 60_000,
  onPage,
}) {
  const server = await startCodeServer({ folder, env, settings, extensionsDir });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let resolveExit;
    const exited = new Promise((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationExit', (code) => {
      resolveExit(code);
    });
    page.on('pageerror', (e) => log('workbench', `page error: ${e.message}`));
    await page.goto(workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath }));
    if (onPage) await onPage(page);
    let timer;
    const timeout = new Promise((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const code = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (code === 'timeout') {
      log('code-server', `suite did not finish in ${timeoutMs} ms; last server output:\n${server.output.join('').slice(-3000)}`);
      return 1;
    }
    return code;
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
}
