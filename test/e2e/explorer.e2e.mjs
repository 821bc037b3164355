// A user opens each explorer view on a cluster holding a dataset claim, a suspended Job, a finished
// Job and an InferenceService, expands the groups, and sees rows for each (screenshot per view).
// GPU rows say how many GPUs pods have allocated (a pod holding 2 GPUs of the simulated A100 node
// is listed under it) and the DCGM utilisation and memory per GPU measured by the cluster's Prometheus.
import { strict as assert } from 'node:assert';
import { clusterStatus, kubectl } from './cluster.mjs';
import { inPage, reach, until } from './waits.mjs';

export const name = 'Explorer views: datasets, jobs, GPUs and models with live rows';

const NS = 'default';
const P = 'kubeml-e2e-explorer';
/** A simulated (KWOK) node: a pod scheduled there is "Running" without a container runtime. */
const GPU_NODE = 'kwok-a100-0002';

function objects(trainImage) {
  const job = (jobName, suspend, extra) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName, namespace: NS },
    spec: {
      suspend,
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          ...extra.pod,
          containers: [{ name: 'main', image: trainImage, command: ['sh', '-c', 'exit 0'], ...extra.container }],
        },
      },
    },
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: `${P}-data`, namespace: NS, labels: { 'kubeml.io/dataset': 'iris-e2e' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
    job(`${P}-suspended`, true, { pod: {}, container: { resources: { limits: { 'nvidia.com/gpu': '1' } } } }),
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${P}-gpu`, namespace: NS },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': GPU_NODE },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        containers: [{ name: 'main', image: trainImage, resources: { limits: { 'nvidia.com/gpu': '2' } } }],
      },
    },
    job(`${P}-done`, false, {
      pod: { nodeSelector: { 'kubernetes.io/hostname': 'kubeml-node' } },
      container: { imagePullPolicy: 'Never' },
    }),
    {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: `${P}-iris`, namespace: NS },
      spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'pvc://kubeml-artifacts/iris' } } },
    },
  ];
}

/** Waits until a view shows (laid out, on screen) a row whose accessible label matches `re`. */
async function row(wb, view, re, timeout = 60_000) {
  const shown = wb.view(view).getByRole('treeitem', { name: re }).filter({ visible: true }).first();
  return until(
    `a row matching ${re} in the ${view} view`,
    timeout,
    async () => ((await shown.isVisible()) ? shown.getAttribute('aria-label') : undefined),
    {
      state: async () => `rows: ${(await wb.rows(view)).join(' | ') || 'none'}`,
    },
  );
}

/** Expands a collapsed tree row of a view by its visible label. */
async function expandRow(wb, view, labelRe) {
  const r = wb
    .view(view)
    .locator('.monaco-list-row')
    .filter({ has: wb.page.locator('.label-name', { hasText: labelRe }) })
    .first();
  await reach(r, 'visible', `the row ${labelRe} in the ${view} view`, 30_000);
  if ((await r.getAttribute('aria-expanded')) === 'false') await r.locator('.monaco-tl-twistie').click();
}

/** Drags the side bar's edge so row descriptions are not cut off in the screenshots. */
async function widenSideBar(wb, width) {
  const box = await wb.page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const y = box.y + box.height / 2;
  await wb.page.mouse.move(box.x + box.width + 1, y);
  await wb.page.mouse.down();
  await wb.page.mouse.move(box.x + width, y, { steps: 10 });
  await wb.page.mouse.up();
}

/** Leaves only one view expanded so its rows have room (for its screenshot). */
async function only(wb, view) {
  const VIEWS = ['Datasets', 'Jobs', 'Runs', 'Queues', 'GPUs', 'Models'];
  for (const v of VIEWS) {
    const header = wb.view(v).locator('.pane-header');
    const expanded = (await header.getAttribute('aria-expanded')) === 'true';
    if ((v === view) !== expanded) await header.click();
  }
  await inPage(
    wb.page,
    `the ${view} view to be the only one expanded`,
    10_000,
    (view) => {
      const panes = [...document.querySelectorAll('.sidebar .pane')];
      return (
        panes.length > 0 &&
        panes.every((p) => {
          const h = p.querySelector('.pane-header');
          const mine = h?.querySelector('h3.title')?.textContent?.trim().toLowerCase() === view.toLowerCase();
          return (h?.getAttribute('aria-expanded') === 'true') === mine;
        })
      );
    },
    view,
  );
}

/** The runner writes these workspace settings before the workbench loads: DCGM metrics from the cluster's Prometheus. */
export function settings({ env }) {
  const url = env.KUBEML_PROMETHEUS_URL ?? clusterStatus('PROMETHEUS_URL');
  return url ? { 'kubeml.prometheus.url': url } : {};
}

export async function scenario(wb, { env }) {
  if (!env.KUBECONFIG) throw new Error('this scenario needs the local cluster (scripts/cluster/cluster.sh up)');
  const trainImage = clusterStatus('TRAIN_IMAGE');
  assert.ok(trainImage, 'no TRAIN_IMAGE in the cluster status');
  const prometheus = env.KUBEML_PROMETHEUS_URL ?? clusterStatus('PROMETHEUS_URL');
  const list = { apiVersion: 'v1', kind: 'List', items: objects(trainImage) };
  const apply = kubectl(env, ['apply', '-f', '-'], JSON.stringify(list));
  assert.equal(apply.status, 0, apply.stderr);
  try {
    const done = kubectl(env, ['wait', '-n', NS, '--for=condition=Complete', `job/${P}-done`, '--timeout=90s']);
    assert.equal(done.status, 0, `the finished Job did not complete: ${done.stderr}`);

    await wb.openKubeML();
    await wb.page.waitForFunction(
      () => !document.querySelector('.sidebar')?.textContent?.includes('Connecting to the cluster'),
      undefined,
      { timeout: 90_000 },
    );

    await widenSideBar(wb, 760);
    await only(wb, 'Datasets');
    await row(wb, 'Datasets', new RegExp(`${P}-data`));
    await wb.screenshot('datasets');

    await only(wb, 'Jobs');
    await expandRow(wb, 'Jobs', /^Pending$/);
    await expandRow(wb, 'Jobs', /^Succeeded$/);
    await row(wb, 'Jobs', new RegExp(`${P}-suspended`));
    await row(wb, 'Jobs', new RegExp(`${P}-done`));
    await wb.screenshot('jobs');

    await only(wb, 'GPUs');
    await row(wb, 'GPUs', /^Cluster/);
    for (const product of ['H100', 'A100', 'L4']) await expandRow(wb, 'GPUs', new RegExp(product)).catch(() => undefined);
    await row(wb, 'GPUs', /kwok-/);
    await row(wb, 'GPUs', new RegExp(`^${GPU_NODE}.* [2-4]/4 allocated`));
    await expandRow(wb, 'GPUs', new RegExp(`^${GPU_NODE}$`));
    await row(wb, 'GPUs', new RegExp(`^${P}-gpu.*${NS} · 2 GPUs allocated`));
    if (prometheus) {
      await row(wb, 'GPUs', /^kwok-.* \d+\/\d+ allocated · .*util \d+% \(measured\) · mem \d+ GB\/GPU avg of \d+ GB/, 45_000);
      await row(wb, 'GPUs', /^A100.*allocated · 1 node · util \d+% \(measured\)/, 45_000);
    }
    await wb.screenshot('gpus');
    // The node's tooltip explains each number in one line and lists the pods holding its GPUs.
    await wb
      .view('GPUs')
      .locator('.label-name', { hasText: new RegExp(`^${GPU_NODE}$`) })
      .first()
      .hover();
    const tip = wb.page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'GPUs requested' }).first();
    await reach(tip, 'visible', `the tooltip of ${GPU_NODE}`, 15_000);
    for (const text of [/Allocated [2-4] of 4/, new RegExp(`${NS}/${P}-gpu: 2 GPUs allocated`)]) assert.match(await tip.innerText(), text);
    await wb.screenshot('gpus-tooltip');
    await wb.page.mouse.move(1, 1);

    await only(wb, 'Models');
    await row(wb, 'Models', new RegExp(`${P}-iris`));
    await wb.screenshot('models');
  } finally {
    const del = kubectl(env, ['delete', '-f', '-', '--ignore-not-found', '--wait=false'], JSON.stringify(list));
    if (del.status !== 0) console.log(`  (cleanup) ${del.stderr}`);
  }
}
