// A job Kueue holds, as a user meets it (issue #15): a ClusterQueue of the scenario's own (one flavor,
// 8 GPUs, no cohort) whose quota a first job uses up, and a second job labelled with its LocalQueue that
// waits. The Queues view lists it pending with its position; Why Is It Pending? on its Jobs row says
// Kueue's reason in one sentence with the numbers, and its "Ask for 2 GPUs" item edits the workspace's
// kubeml.yaml in the editor, unsaved. The scenario's namespace is the Jobs view's through a kubeconfig
// copy whose context names it (kubeml.kubeconfig); everything it made is deleted at the end.
import { strict as assert } from 'node:assert';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl } from './cluster.mjs';
import { inPage, reach, until } from './waits.mjs';

export const name = 'Queues: a job waiting for Kueue quota, its position, and Why Is It Pending?';

const id = Date.now().toString(36);
const NS = `kubeml-e2e-queues-${id}`;
const CQ = `kubeml-e2e-queues-${id}`;
const FLAVOR = `kubeml-e2e-queues-${id}`;
const KUBECONFIG_COPY = join(tmpdir(), `kubeml-e2e-queues-${id}.kubeconfig`);

/** The views read the scenario's namespace: a kubeconfig copy whose current context names it. */
export function settings({ env }) {
  if (!env.KUBECONFIG) return undefined;
  copyFileSync(env.KUBECONFIG, KUBECONFIG_COPY);
  const r = kubectl({ ...env, KUBECONFIG: KUBECONFIG_COPY }, ['config', 'set-context', '--current', `--namespace=${NS}`]);
  if (r.status !== 0) throw new Error(`kubectl config set-context: ${r.stderr}`);
  // Auto save off (code-server saves after a delay by default): the scenario checks that the edit is left unsaved.
  return { 'kubeml.kubeconfig': KUBECONFIG_COPY, 'files.autoSave': 'off' };
}

const queued = (jobName, gpus) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: jobName, namespace: NS, labels: { 'kueue.x-k8s.io/queue-name': 'lq' } },
  spec: {
    suspend: true,
    backoffLimit: 0,
    template: {
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }],
      },
    },
  },
});

const objects = () => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: FLAVOR } },
  {
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'ClusterQueue',
    metadata: { name: CQ },
    spec: {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } },
      resourceGroups: [
        { coveredResources: ['nvidia.com/gpu'], flavors: [{ name: FLAVOR, resources: [{ name: 'nvidia.com/gpu', nominalQuota: '8' }] }] },
      ],
    },
  },
  { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'lq', namespace: NS }, spec: { clusterQueue: CQ } },
];

function apply(env, objs) {
  const r = kubectl(env, ['apply', '-f', '-'], objs.map((o) => JSON.stringify(o)).join('\n---\n'));
  assert.equal(r.status, 0, r.stderr);
}

/** The workload of a job, as kubectl reads it (JSON), or undefined. */
function workloadOf(env, jobName) {
  const r = kubectl(env, ['get', 'workloads.kueue.x-k8s.io', '-n', NS, '-o', 'json']);
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout).items.find((w) => (w.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job' && o.name === jobName));
}
const cond = (w, type) => w?.status?.conditions?.find((c) => c.type === type);

/** A tree row of a view by its label text (the first match). */
const rowOf = (wb, view, text) =>
  wb
    .view(view)
    .locator('.monaco-list-row')
    .filter({ has: wb.page.locator('.label-name', { hasText: text }) })
    .first();

async function expand(row) {
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
}

export async function scenario(wb, { env, workspace }) {
  if (!env.KUBECONFIG) throw new Error('this scenario needs the local cluster (scripts/cluster/cluster.sh up)');
  const probe = kubectl(env, ['get', 'clusterqueues.kueue.x-k8s.io']);
  if (probe.status !== 0) throw new Error(`this scenario needs Kueue on the local cluster: ${probe.stderr.trim()}`);
  const specFile = join(workspace, 'kubeml.yaml');
  const original = readFileSync(specFile, 'utf8');
  try {
    apply(env, objects());
    // The first job takes 6 of the 8 GPUs; the second, 4, waits for quota.
    apply(env, [queued('qa-first', 6)]);
    await until('Kueue to admit qa-first', 180_000, () => cond(workloadOf(env, 'qa-first'), 'QuotaReserved')?.status === 'True', {
      state: () => JSON.stringify(workloadOf(env, 'qa-first')?.status ?? 'no workload'),
    });
    apply(env, [queued('qa-second', 4)]);
    const waiting = await until(
      'Kueue to keep qa-second waiting with a reason',
      180_000,
      () => {
        const c = cond(workloadOf(env, 'qa-second'), 'QuotaReserved');
        return c?.status === 'False' && c.message ? c.message : undefined;
      },
      { state: () => JSON.stringify(workloadOf(env, 'qa-second')?.status ?? 'no workload') },
    );

    // 1. The Queues view: the scenario's ClusterQueue, its pending workload with its position.
    await wb.openKubeML();
    await wb.expandView('Queues');
    const cqRow = rowOf(wb, 'Queues', CQ);
    await reach(cqRow, 'visible', `the ClusterQueue ${CQ} in the Queues view`, 60_000);
    await expand(cqRow);
    const pendingGroup = rowOf(wb, 'Queues', /^Pending \(1\)$/);
    await reach(pendingGroup, 'visible', `the Pending (1) group of ${CQ}`, 60_000);
    await expand(pendingGroup);
    const queuedRow = rowOf(wb, 'Queues', /^1\. Job\/qa-second$/);
    await reach(queuedRow, 'visible', 'qa-second first in the queue ("1. Job/qa-second")', 60_000);
    await wb.screenshot('queues-view-pending');

    // 2. The Jobs view: qa-second pending; Why Is It Pending? says Kueue's reason with the numbers.
    await wb.expandView('Jobs');
    const group = rowOf(wb, 'Jobs', /^Pending$/);
    await reach(group, 'visible', 'the Pending group of the Jobs view', 60_000);
    await expand(group);
    const jobRow = rowOf(wb, 'Jobs', 'qa-second');
    await reach(jobRow, 'visible', 'qa-second under Pending in the Jobs view', 60_000);
    const sentence = `It needs 4 nvidia.com/gpu in flavor ${FLAVOR}; ${CQ} has 2 free of 8 and cannot borrow: it is in no cohort.`;
    await wb.contextMenu(jobRow, 'Why Is It Pending?');
    const title = wb.page.locator('.quick-input-widget .quick-input-title');
    await until(
      'the quick pick titled with the sentence',
      30_000,
      async () => ((await title.innerText().catch(() => '')) === sentence ? true : undefined),
      { state: async () => `title: ${await title.innerText().catch(() => 'none')}; Kueue said: ${waiting}` },
    );
    const items = await wb.quickPickItems();
    assert.ok(
      items.some((t) => t.includes('Ask for 2 GPU(s)')),
      `the 2 free GPUs are offered: ${items.join(' | ')}`,
    );
    assert.ok(
      items.some((t) => t.includes(waiting.split('\n')[0].slice(0, 40))),
      `Kueue's own words are among the details: ${items.join(' | ')} (Kueue: ${waiting})`,
    );
    await wb.screenshot('why-pending');

    // 3. Ask for 2 GPUs: kubeml.yaml opens with resources.gpus 2, unsaved.
    await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Ask for 2 GPU(s)' }).first().click();
    const tab = wb.page.locator('.tabs-container .tab', { hasText: 'kubeml.yaml' }).first();
    await reach(tab, 'visible', 'kubeml.yaml open in the editor', 15_000);
    await inPage(
      wb.page,
      'the kubeml.yaml tab to be dirty (edited, not saved) with gpus: 2 in view',
      15_000,
      () =>
        !!document.querySelector('.tabs-container .tab.dirty') &&
        (document.querySelector('.editor-instance .view-lines')?.textContent ?? '').replace(/\u00a0/g, ' ').includes('gpus: 2'),
    );
    assert.equal(readFileSync(specFile, 'utf8'), original, 'kubeml.yaml on disk is unchanged until the user saves');
    await wb.screenshot('why-pending-edit');
    await wb.runCommand('File: Revert File');
    await inPage(wb.page, 'the edit to be reverted', 15_000, () => !document.querySelector('.tabs-container .tab.dirty'));
  } catch (e) {
    // What the views showed when it failed, before the cleanup empties them.
    await wb.screenshot('failure-before-cleanup').catch(() => undefined);
    throw e;
  } finally {
    if (readFileSync(specFile, 'utf8') !== original) writeFileSync(specFile, original);
    kubectl(env, ['delete', 'namespace', NS, '--wait=true', '--timeout=120s']);
    kubectl(env, ['delete', 'clusterqueue.kueue.x-k8s.io', CQ, '--wait=true', '--timeout=60s']);
    kubectl(env, ['delete', 'resourceflavor.kueue.x-k8s.io', FLAVOR, '--wait=true', '--timeout=60s']);
    rmSync(KUBECONFIG_COPY, { force: true });
  }
}
