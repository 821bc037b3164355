// The project's local cluster (scripts/cluster/cluster.sh), as the test scripts use it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, log, repoRoot } from './setup.mjs';

/** The kubectl the cluster scripts built (the machine may have none, or another version). */
export function clusterKubectl() {
  const status = join(cacheDir, 'cluster', 'status.env');
  const version = existsSync(status)
    ? readFileSync(status, 'utf8')
        .match(/^K8S_VERSION=(.*)$/m)?.[1]
        ?.trim()
    : undefined;
  const p = version ? join(cacheDir, 'bin', `k8s-${version}`, 'kubectl') : undefined;
  return p && existsSync(p) ? p : 'kubectl';
}

const script = () => join(repoRoot(), 'scripts', 'cluster', 'cluster.sh');

/** The kubeconfig of the local cluster when it is up, else undefined. */
export function clusterKubeconfig() {
  if (!existsSync(script())) return undefined;
  const r = spawnSync('bash', [script(), 'kubeconfig'], { encoding: 'utf8' });
  const p = r.stdout?.trim();
  return r.status === 0 && p && existsSync(p) ? p : undefined;
}

/** Brings the cluster up (idempotent) and returns its kubeconfig path. */
export function clusterUp() {
  if (!existsSync(script())) throw new Error('scripts/cluster/cluster.sh is missing');
  log('cluster', 'bringing the local cluster up (npm run cluster:up)');
  const r = spawnSync('bash', [script(), 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`cluster up failed with exit code ${r.status}`);
  const kc = clusterKubeconfig();
  if (!kc) throw new Error('cluster up succeeded but printed no kubeconfig');
  return kc;
}

/**
 * Environment for suites: the cluster's kubeconfig when KUBEML_CLUSTER is not "off" and the
 * cluster is up; otherwise a kubeconfig path that does not exist (the "no cluster" state).
 */
export async function clusterEnv() {
  const kc = process.env.KUBEML_CLUSTER === 'off' ? undefined : clusterKubeconfig();
  return kc
    ? { KUBECONFIG: kc, KUBEML_KUBECONFIG: kc, KUBEML_KUBECTL: clusterKubectl() }
    : { KUBECONFIG: '/nonexistent/kubeml-no-cluster', KUBEML_EXPECT_CONNECTION: 'none' };
}
