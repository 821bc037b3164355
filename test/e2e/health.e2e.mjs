// Job health as a user meets it (issue #16): a real 2-rank PyTorchJob (samples/ddp_train.py, gloo, one GPU per
// rank on the real node) trains; Check Job Health on its Jobs row opens the Job panel with its ranks and their
// GPU use from Prometheus (the DCGM stand-in labels each GPU's series with the pod that holds it). Then one rank
// hangs (its processes SIGSTOPped from the node): the doctor names it in the panel, under the job in the Jobs
// view and in the status bar. Screenshots in the dark and light themes. Everything is deleted at the end.
import { strict as assert } from 'node:assert';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { clusterStatus, kubectl } from './cluster.mjs';
import { inPage, reach, until } from './waits.mjs';

export const name = 'Job health: a PyTorchJob in the Job panel, a hung rank named';

const id = Date.now().toString(36);
const NS = `kubeml-e2e-health-${id}`;
const JOB = 'ddp-e2e';
const KUBECONFIG_COPY = join(tmpdir(), `kubeml-e2e-health-${id}.kubeconfig`);

export function settings({ env }) {
  if (!env.KUBECONFIG) return undefined;
  copyFileSync(env.KUBECONFIG, KUBECONFIG_COPY);
  const r = kubectl({ ...env, KUBECONFIG: KUBECONFIG_COPY }, ['config', 'set-context', '--current', `--namespace=${NS}`]);
  if (r.status !== 0) throw new Error(`kubectl config set-context: ${r.stderr}`);
  const url = env.KUBEML_PROMETHEUS_URL ?? clusterStatus('PROMETHEUS_URL');
  return { 'kubeml.kubeconfig': KUBECONFIG_COPY, ...(url ? { 'kubeml.prometheus.url': url } : {}), 'kubeml.health.hungAfterSeconds': 30 };
}

/** The sample PyTorchJob, renamed, long enough to watch, one GPU per rank. */
function job(repo) {
  const j = parse(readFileSync(join(repo, 'samples', 'cluster', 'ddp-pytorchjob.yaml'), 'utf8'));
  j.metadata = { name: JOB, namespace: NS };
  for (const spec of Object.values(j.spec.pytorchReplicaSpecs)) {
    const t = spec.template.spec;
    for (const a of t.hostAliases ?? []) a.hostnames = [`${JOB}-master-0`];
    const c = t.containers[0];
    // A rendezvous port of its own (the ranks use the node's network; other jobs use the sample's 23456).
    c.ports = [{ name: 'pytorchjob-port', containerPort: spec === j.spec.pytorchReplicaSpecs.Master ? 23471 : 23472 }];
    c.command = ['python3', '/code/ddp_train.py', '--steps', '600', '--step-seconds', '0.3', '--timeout', '600'];
    c.resources.limits = { ...c.resources.limits, 'nvidia.com/gpu': '1' };
    t.tolerations = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }];
  }
  return j;
}

/** Host pids of a container (the kubelet's cgroup paths hold the container id). */
function containerPids(containerId) {
  const cid = containerId.replace(/^\w+:\/\//, '');
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cgroup`, 'utf8').includes(cid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const rowOf = (wb, view, text) =>
  wb
    .view(view)
    .locator('.monaco-list-row')
    .filter({ has: wb.page.locator('.label-name', { hasText: text }) })
    .first();

async function expand(row) {
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
}

async function jobFrame(wb, timeout = 60_000) {
  return until('the Job panel with its ranks', timeout, async () => {
    for (const f of wb.page.frames()) {
      const n = await f.evaluate(() => document.querySelectorAll('#ranks tr').length).catch(() => 0);
      if (n > 0) return f;
    }
    return undefined;
  });
}

export async function scenario(wb, { env }) {
  if (!env.KUBECONFIG) throw new Error('this scenario needs the local cluster (scripts/cluster/cluster.sh up)');
  const probe = kubectl(env, ['get', 'crd', 'pytorchjobs.kubeflow.org']);
  if (probe.status !== 0) throw new Error(`this scenario needs the training-operator on the local cluster: ${probe.stderr.trim()}`);
  const repo = join(import.meta.dirname, '..', '..');
  const stopped = [];
  try {
    let r = kubectl(env, ['create', 'namespace', NS]);
    assert.equal(r.status, 0, r.stderr);
    r = kubectl(env, [
      'create',
      'configmap',
      'kubeml-ddp',
      '-n',
      NS,
      `--from-file=${join(repo, 'samples', 'ddp_train.py')}`,
      `--from-file=${join(repo, 'samples', 'kubeml_results.py')}`,
    ]);
    assert.equal(r.status, 0, r.stderr);
    r = kubectl(env, ['apply', '-f', '-'], JSON.stringify(job(repo)));
    assert.equal(r.status, 0, r.stderr);
    const pods = () => {
      const o = kubectl(env, ['get', 'pods', '-n', NS, '-l', `training.kubeflow.org/job-name=${JOB}`, '-o', 'json']);
      return o.status === 0 ? JSON.parse(o.stdout).items : [];
    };
    await until('both ranks running and training', 240_000, () => {
      const ps = pods();
      if (ps.length !== 2 || !ps.every((p) => p.status?.phase === 'Running')) return undefined;
      return ps.every((p) => / step 5\//.test(kubectl(env, ['logs', '-n', NS, p.metadata.name]).stdout ?? '')) ? true : undefined;
    });

    // 1. The job's row in the Jobs view: Check Job Health from its context menu.
    await wb.openKubeML();
    await wb.expandView('Jobs');
    const running = rowOf(wb, 'Jobs', /^Running/);
    await reach(running, 'visible', 'the Running group', 60_000);
    // An empty group has nothing to open; the view may show Running empty for a moment before it lists the job.
    await until('the Running group to hold the job (it can be opened)', 60_000, async () =>
      (await running.getAttribute('aria-expanded')) !== null ? true : undefined,
    );
    await expand(running);
    const jobRow = rowOf(wb, 'Jobs', JOB);
    await reach(jobRow, 'visible', `the job ${JOB} under Running`, 60_000);
    await wb.contextMenu(jobRow, 'Check Job Health');
    const frame = await jobFrame(wb);
    const ranks = await frame.evaluate(() => [...document.querySelectorAll('#ranks tr')].map((tr) => tr.textContent));
    assert.ok(ranks.some((t) => t.includes('master-0')) && ranks.some((t) => t.includes('worker-0')), `ranks: ${ranks.join(' | ')}`);
    // GPU use per rank from Prometheus (a scrape every 15 s): both ranks' GPUs drawn, over the last 15 minutes.
    await frame.locator('#windows button[data-window="900000"]').click();
    await inPage(frame, 'both ranks GPU series on the charts', 120_000, () => {
      const legend = [...document.querySelectorAll('#util-chart .u-legend .u-label')].map((l) => l.textContent ?? '');
      return legend.some((l) => l.includes('master-0')) && legend.some((l) => l.includes('worker-0')) ? legend : undefined;
    });
    // The panel reads the series again as it follows the job: wait for a few samples per line (one per scrape).
    await inPage(frame, 'at least 4 samples of each GPU on the utilisation chart', 150_000, () =>
      Number(document.getElementById('util-chart')?.dataset.samples ?? 0) >= 4 ? true : undefined,
    );
    await wb.screenshot('job-panel-dark');

    // 2. One rank hangs: SIGSTOP its processes from the node.
    const worker = pods().find((p) => p.metadata.name === `${JOB}-worker-0`);
    for (const pid of containerPids(worker.status.containerStatuses[0].containerID)) {
      process.kill(pid, 'SIGSTOP');
      stopped.push(pid);
    }
    const hung = await inPage(frame, 'the hung finding naming worker-0 in the panel', 120_000, () => {
      const li = document.querySelector('#findings li[data-kind="hung"]');
      return li?.textContent?.includes('worker-0') ? li.textContent : undefined;
    });
    assert.match(hung, /worker-0/);
    await reach(
      wb.page.locator('.statusbar-item', { hasText: /worker-0: hung/ }).first(),
      'visible',
      'the status bar warning about worker-0',
      30_000,
    );
    await wb.screenshot('job-panel-hung');
    // The finding under the job in the Jobs view.
    await expand(jobRow);
    await reach(rowOf(wb, 'Jobs', /^worker-0 is stopped/), 'visible', 'the finding row under the job in the Jobs view', 30_000);
    await wb.colorTheme('Default Light Modern', 'vs');
    await wb.screenshot('job-panel-light');
    await wb.colorTheme('Default Dark Modern', 'vs-dark');
  } finally {
    for (const pid of stopped) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    kubectl(env, ['delete', 'namespace', NS, '--wait=false']);
  }
}
