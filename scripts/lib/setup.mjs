// Installs what the test and sandbox scripts need, idempotently, caching large things
// outside the repository (in $KUBEML_CACHE, default ~/.cache/kubeml). Prints progress.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, symlinkSync, rmSync, copyFileSync, lstatSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
export const cacheDir = process.env.KUBEML_CACHE || join(homedir(), '.cache', 'kubeml');

export function log(scope, message) {
  process.stderr.write(`[${scope}] ${message}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    const out = opts.quiet ? `\n${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-4000) : '';
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}${out}`);
  }
  return r.stdout;
}

function dpkgInstalled(pkg) {
  return spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('install ok installed');
}

let aptUpdated = false;
/** Installs Debian packages that are missing (as root, or through sudo). */
export function ensureApt(packages) {
  const missing = packages.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  log('setup', `installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    run(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'update', '-qq'], { env, quiet: true });
    aptUpdated = true;
  }
  run(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), 'install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env,
    quiet: true,
  });
}

export function ensureChromium() {
  ensureApt(['chromium', 'fonts-dejavu-core']);
  return '/usr/bin/chromium';
}

/** Packages among code-server's dependencies whose install scripts must run (native modules, ripgrep). */
const CODE_SERVER_SCRIPTED = [
  'argon2',
  '@parcel/watcher',
  '@vscode/deviceid',
  '@vscode/ripgrep',
  '@vscode/spdlog',
  '@vscode/windows-process-tree',
  '@vscode/windows-registry',
  'kerberos',
  'native-watchdog',
  'node-pty',
];

/**
 * Installs code-server (real VS Code: workbench + Node extension host) at a pinned version into
 * the cache and returns the path of its launcher. Newer npm blocks dependency install scripts
 * unless allowed, and code-server's own postinstall runs nested installs, so its steps are
 * done here explicitly: install without scripts, allow the native modules, rebuild, link.
 */
export function ensureCodeServer() {
  const dir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
  const bin = join(dir, 'node_modules', '.bin', 'code-server');
  const marker = join(dir, '.kubeml-ready');
  if (existsSync(marker) && existsSync(bin)) return bin;
  ensureApt(['libkrb5-dev', 'ripgrep', 'build-essential', 'python3']);
  log('setup', `installing code-server ${CODE_SERVER_VERSION} into ${dir} (once, about 2 minutes)`);
  mkdirSync(dir, { recursive: true });
  const allow = Object.fromEntries(CODE_SERVER_SCRIPTED.map((n) => [n, true]));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'kubeml-code-server-cache', private: true, allowScripts: allow }, null, 2),
  );
  // @vscode/ripgrep downloads rg from GitHub unless its cache holds the archive: seed it with Debian's rg.
  const rgCache = join(tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const rgArchive = join(rgCache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (!existsSync(rgArchive)) {
    mkdirSync(rgCache, { recursive: true });
    const stage = join(rgCache, 'stage');
    mkdirSync(stage, { recursive: true });
    copyFileSync('/usr/bin/rg', join(stage, 'rg'));
    run('tar', ['-czf', rgArchive, '-C', stage, 'rg']);
    rmSync(stage, { recursive: true, force: true });
  }
  const env = {
    ...process.env,
    npm_config_yes: 'true',
    npm_config_nodedir: existsSync('/usr/include/node/node.h') ? '/usr' : (process.env.npm_config_nodedir ?? ''),
  };
  const npm = (args, cwd) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env, quiet: true });
  npm(['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts'], dir);
  const vscodeDir = join(dir, 'node_modules', 'code-server', 'lib', 'vscode');
  for (const sub of [vscodeDir, join(vscodeDir, 'extensions')]) {
    const pj = JSON.parse(readFileSync(join(sub, 'package.json'), 'utf8'));
    pj.allowScripts = allow;
    writeFileSync(join(sub, 'package.json'), JSON.stringify(pj, null, 2));
    log('setup', `installing ${sub === vscodeDir ? 'VS Code' : 'built-in extension'} dependencies (native modules build)`);
    npm(['install', '--omit=dev', '--ignore-scripts'], sub);
    npm(['rebuild'], sub);
  }
  npm(['rebuild', 'argon2'], dir);
  const link = (target, path) => {
    try {
      lstatSync(path);
      rmSync(path, { recursive: true, force: true });
    } catch {
      /* absent */
    }
    symlinkSync(target, path);
  };
  link('node_modules', join(vscodeDir, 'node_modules.asar'));
  link('code-linux.sh', join(vscodeDir, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', join(vscodeDir, 'bin', 'helpers', 'browser.sh'));
  const version = run(bin, ['--version'], { quiet: true }).trim();
  log('setup', `code-server ready: ${version}`);
  writeFileSync(marker, version + '\n');
  return bin;
}

export function repoRoot() {
  return new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
}

export function ensureNodeModules(root = repoRoot()) {
  if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
    log('setup', 'installing npm dependencies (npm ci)');
    run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root });
  }
}

export function gitTracked(root) {
  return execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
}

export function listDir(p) {
  return existsSync(p) ? readdirSync(p) : [];
}
