// Bundles the extension (Node, CommonJS, `vscode` external), the command-line program,
// the webview pages (browser) and the in-editor test suites. `--watch` rebuilds on change,
// `--production` minifies and drops source maps.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const withTests = process.argv.includes('--tests');

const common = {
  bundle: true,
  logLevel: 'warning',
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: 'none',
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  // client-node is ESM; it refers to import.meta.url in a few places.
  define: { 'import.meta.url': '__kubeml_import_meta_url' },
  banner: { js: "const __kubeml_import_meta_url = require('url').pathToFileURL(__filename).href;" },
  mainFields: ['module', 'main'],
  alias: { 'whatwg-url': './scripts/shims/whatwg-url.cjs' },
};

/** @type {esbuild.BuildOptions[]} */
/** The extension loads the Kubernetes client from its own file on first use (src/cluster/k8s.ts). */
const splitK8s = {
  name: 'split-k8s',
  setup(build) {
    build.onResolve({ filter: /^\.\/k8s\.js$/ }, () => ({ path: './k8s.js', external: true }));
  },
};
const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', define: { ...nodeCommon.define, KUBEML_SPLIT_K8S: 'true' }, plugins: [splitK8s] },
  { ...nodeCommon, entryPoints: { k8s: 'src/cluster/k8sImpl.ts' }, outdir: 'dist' },
];
if (existsSync('src/cli/main.ts')) {
  builds.push({ ...nodeCommon, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node\n' + nodeCommon.banner.js } });
}
const webviewEntries = existsSync('webview/src')
  ? Object.fromEntries(readdirSync('webview/src').filter((f) => /^[a-z]+Page\.ts$/.test(f)).map((f) => [f.replace(/\.ts$/, ''), join('webview/src', f)]))
  : {};
if (Object.keys(webviewEntries).length > 0) {
  builds.push({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: webviewEntries, outdir: 'dist/webview' });
}
/** Every suite folder that runs inside VS Code: test/vscode, test/installed, bench/host. */
function testEntries() {
  const entries = {};
  for (const [dir, out] of [['test/vscode', 'vscode'], ['test/installed', 'installed'], ['bench/host', 'bench']]) {
    for (const f of listTs(dir)) entries[`${out}/${f.replace(/\.ts$/, '')}`] = join(dir, f);
  }
  return entries;
}
function listTs(dir) {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')) : [];
}

if (withTests) {
  builds.push({
    ...nodeCommon,
    sourcemap: 'inline',
    minify: false,
    entryPoints: testEntries(),
    outdir: 'out/test',
    external: ['vscode', 'mocha'],
  });
}

if (production) {
  // A release holds only what this build makes: no stale maps or bundles from dev builds.
  rmSync('dist', { recursive: true, force: true });
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log(`[build] watching ${builds.length} bundles`);
} else {
  const t0 = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`[build] ${builds.length} bundles in ${Date.now() - t0} ms${production ? ' (production)' : ''}`);
}
