// Bundles the extension (Node, CommonJS, `vscode` external), the command-line program,
// the webview pages (browser) and the in-editor test suites. `--watch` rebuilds on change,
// `--production` minifies and drops source maps.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, rmSync, statSync, watch as watchFiles } from 'node:fs';
import { join, relative, sep } from 'node:path';

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

/**
 * The extension is split so that activation loads little (bench/activation): dist/extension.js
 * holds the connection, the command and view shims (src/lazy); each feature is its own bundle,
 * dist/<feature>.js, loaded on first use (src/lazy/vscodeFeatures.ts); dist/k8s.js is the Kubernetes
 * client (src/cluster/k8s.ts). Every module exists once at run time: a feature takes the modules
 * that are already in dist/extension.js from it, and the modules two features share from
 * dist/shared.js, through a registry each providing bundle exports (__kubeml_modules).
 */
const FEATURES = ['explorer', 'lint', 'runs', 'sync', 'drift', 'experiments', 'queues', 'health'];
const LAZY_REQUIRERS = new Set(['src/cluster/k8s.ts', 'src/lazy/vscodeFeatures.ts']);
const rel = (p) => relative(process.cwd(), p).split(sep).join('/');
/** Packages that only ever load lazily (require() on first use) and ship as their own file. */
const LAZY_PACKAGES = { 'node-fetch': 'fetch.js' };
/**
 * `require('./k8s.js')` and `require('./<feature>.js')` in the lazy loaders stay references to those
 * files, and so do the LAZY_PACKAGES.
 */
const splitFiles = {
  name: 'split-files',
  setup(build) {
    build.onResolve({ filter: /^\.\/[a-z0-9]+\.js$/ }, (args) =>
      LAZY_REQUIRERS.has(rel(args.importer)) ? { path: args.path, external: true } : undefined,
    );
    const names = Object.keys(LAZY_PACKAGES).map((n) => n.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({
      path: `./${LAZY_PACKAGES[args.path]}`,
      external: true,
    }));
  },
};
/** Imports of the modules `providers` maps (path -> bundle file) become reads of that bundle's registry. */
function shareFrom(providers) {
  return {
    name: 'share-from',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace === 'kubeml-share') return { path: args.path, external: true };
        if (args.kind === 'entry-point' || args.pluginData?.kubemlResolving) return undefined;
        const r = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { kubemlResolving: true },
        });
        if (r.errors.length || r.external || !r.path) return undefined;
        const key = rel(r.path);
        const from = providers.get(key);
        return from ? { path: key, namespace: 'kubeml-share', pluginData: { from } } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'kubeml-share' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`./${args.pluginData.from}`)}).__kubeml_modules[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}
const registry = (paths) =>
  `export const __kubeml_modules = {\n${paths.map((p) => `  get ${JSON.stringify(p)}() { return require(${JSON.stringify(`./${p}`)}); },`).join('\n')}\n};\n`;
const extCommon = { ...nodeCommon, define: { ...nodeCommon.define, KUBEML_SPLIT_K8S: 'true', KUBEML_SPLIT_FEATURES: 'true' } };

async function buildExtension() {
  const inputsOf = async (entry) => {
    const r = await esbuild.build({
      ...extCommon,
      entryPoints: [entry],
      outdir: 'dist',
      write: false,
      metafile: true,
      minify: false,
      sourcemap: false,
      plugins: [splitFiles],
    });
    return new Set(Object.keys(r.metafile.inputs).filter((k) => !k.includes(':')));
  };
  const main = await inputsOf('src/extension.ts');
  const features = await Promise.all(FEATURES.map((f) => inputsOf(`src/lazy/entries/${f}.ts`)));
  const fromMain = new Set();
  const uses = new Map();
  for (const inputs of features) {
    for (const p of inputs) {
      if (main.has(p)) fromMain.add(p);
      else uses.set(p, (uses.get(p) ?? 0) + 1);
    }
  }
  const shared = [...uses]
    .filter(([, n]) => n > 1)
    .map(([p]) => p)
    .sort();
  const mainProviders = new Map([...fromMain].map((p) => [p, 'extension.js']));
  const featureProviders = new Map([...mainProviders, ...shared.map((p) => [p, 'shared.js'])]);
  const stdin = (contents, name) => ({ contents, resolveDir: process.cwd(), sourcefile: name, loader: 'js' });
  const bundles = [
    {
      ...extCommon,
      stdin: stdin(`export * from './src/extension.ts';\n${registry([...fromMain].sort())}`, 'kubeml-extension-entry.js'),
      outfile: 'dist/extension.js',
      plugins: [splitFiles],
    },
    { ...extCommon, entryPoints: { k8s: 'src/cluster/k8sImpl.ts' }, outdir: 'dist' },
    ...FEATURES.map((f) => ({
      ...extCommon,
      entryPoints: { [f]: `src/lazy/entries/${f}.ts` },
      outdir: 'dist',
      plugins: [splitFiles, shareFrom(featureProviders)],
    })),
  ];
  for (const [pkg, file] of Object.entries(LAZY_PACKAGES)) {
    bundles.push({
      ...extCommon,
      stdin: stdin(`module.exports = require(${JSON.stringify(pkg)});\n`, `kubeml-${file}`),
      outfile: `dist/${file}`,
    });
  }
  if (shared.length)
    bundles.push({
      ...extCommon,
      stdin: stdin(registry(shared), 'kubeml-shared-entry.js'),
      outfile: 'dist/shared.js',
      plugins: [splitFiles, shareFrom(mainProviders)],
    });
  await Promise.all(bundles.map((b) => esbuild.build(b)));
  const size = (f) => `${f} ${(statSync(join('dist', f)).size / 1024).toFixed(0)} KB`;
  console.log(
    `[build] ${['extension.js', ...FEATURES.map((f) => `${f}.js`), ...(shared.length ? ['shared.js'] : []), ...Object.values(LAZY_PACKAGES)].map(size).join(', ')}`,
  );
}

/** @type {esbuild.BuildOptions[]} */
const builds = [];
if (existsSync('src/cli/main.ts')) {
  builds.push({
    ...nodeCommon,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node\n' + nodeCommon.banner.js },
  });
}
// The drift engine's worker threads: src/drift/parallel.ts looks for it next to the bundle that loads it.
builds.push({ ...nodeCommon, entryPoints: { driftWorker: 'src/drift/worker.ts' }, outdir: 'dist' });
const webviewEntries = existsSync('webview/src')
  ? Object.fromEntries(
      readdirSync('webview/src')
        .filter((f) => /^[a-z]+Page\.ts$/.test(f))
        .map((f) => [f.replace(/\.ts$/, ''), join('webview/src', f)]),
    )
  : {};
if (Object.keys(webviewEntries).length > 0) {
  builds.push({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: webviewEntries, outdir: 'dist/webview' });
}
/** Every suite folder that runs inside VS Code: test/vscode, test/installed, bench/host. */
function testEntries() {
  const entries = {};
  for (const [dir, out] of [
    ['test/vscode', 'vscode'],
    ['test/installed', 'installed'],
    ['bench/host', 'bench'],
  ]) {
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
  await buildExtension();
  // The split depends on the import graph, so the extension bundles are rebuilt as a whole.
  let timer;
  let running = Promise.resolve();
  watchFiles('src', { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(buildExtension).catch((e) => console.error(`[build] ${e.message}`));
    }, 150);
  });
  console.log(`[build] watching ${builds.length} bundles and the extension`);
} else {
  const t0 = Date.now();
  await Promise.all([buildExtension(), ...builds.map((b) => esbuild.build(b))]);
  console.log(`[build] done in ${Date.now() - t0} ms${production ? ' (production)' : ''}`);
}
