// npm run sandbox: the local cluster, the sample ML workspace, and VS Code (code-server) with
// the packaged KubeML installed and pointed at that cluster. Prints the URL; Ctrl+C stops
// VS Code (the cluster keeps running: npm run cluster:down stops it).
//   KUBEML_SANDBOX_PORT   port of VS Code (default 8080)
//   KUBEML_CLUSTER=off    no cluster: VS Code with KubeML on the sample workspace only
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterKubectl, clusterUp } from './lib/cluster.mjs';
import { startCodeServer } from './lib/codeserver.mjs';
import { cacheDir, ensureCodeServer, ensureNodeModules, log, repoRoot } from './lib/setup.mjs';

const root = repoRoot();
process.chdir(root);
ensureNodeModules(root);
const { packageVsix } = await import('./package.mjs');

log('sandbox', 'packaging KubeML');
const vsix = packageVsix(root);

let kubeconfig;
let prometheusUrl;
if (process.env.KUBEML_CLUSTER !== 'off') {
  kubeconfig = clusterUp();
  const statusFile = join(cacheDir, 'cluster', 'status.env');
  if (existsSync(statusFile)) {
    prometheusUrl = readFileSync(statusFile, 'utf8')
      .match(/^PROMETHEUS_URL=(.*)$/m)?.[1]
      ?.trim();
  }
}

const sandbox = join(cacheDir, 'sandbox');
const workspace = join(sandbox, 'workspace');
if (!existsSync(join(workspace, 'kubeml.yaml'))) {
  log('sandbox', `preparing the sample workspace in ${workspace}`);
  mkdirSync(workspace, { recursive: true });
  cpSync(join(root, 'samples'), workspace, { recursive: true });
} else {
  log('sandbox', `reusing the sample workspace in ${workspace} (delete it to start afresh)`);
}

// What the sample needs on the cluster: its artifacts claim (cluster/artifacts.yaml), so that the
// first Launch Training works. Server-side apply: running the sandbox again changes nothing.
if (kubeconfig) {
  log('sandbox', "creating the sample's artifacts claim (cluster/artifacts.yaml)");
  execFileSync(
    clusterKubectl(),
    ['apply', '--server-side', '--field-manager', 'kubeml-sandbox', '-f', join(workspace, 'cluster', 'artifacts.yaml')],
    { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
}

const extensionsDir = join(sandbox, 'extensions');
mkdirSync(extensionsDir, { recursive: true });
log('sandbox', 'installing the packaged KubeML into code-server');
execFileSync(ensureCodeServer(), ['--install-extension', vsix, '--force', '--extensions-dir', extensionsDir], {
  stdio: ['ignore', 'ignore', 'inherit'],
});

const server = await startCodeServer({
  port: Number(process.env.KUBEML_SANDBOX_PORT ?? 8080),
  folder: workspace,
  extensionsDir,
  userDataDir: join(sandbox, 'user-data'),
  keepScratch: true,
  env: kubeconfig ? { KUBECONFIG: kubeconfig } : { KUBECONFIG: '/nonexistent/kubeml-sandbox-no-cluster' },
  settings: prometheusUrl ? { 'kubeml.prometheus.url': prometheusUrl } : {},
});
console.log(`
KubeML sandbox is ready.

  VS Code:     ${server.url}/?folder=${encodeURIComponent(workspace)}
  Workspace:   ${workspace}
  Kubeconfig:  ${kubeconfig ?? '(no cluster: KUBEML_CLUSTER=off)'}${prometheusUrl ? `\n  Prometheus:  ${prometheusUrl}` : ''}

Open the URL in a browser (on another machine: ssh -L ${server.port}:127.0.0.1:${server.port} ...).
Press Ctrl+C to stop VS Code; the cluster keeps running (npm run cluster:down stops it).
`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.proc.on('exit', (code) => {
  log('sandbox', `code-server exited (${code})`);
  process.exit(code ?? 1);
});
