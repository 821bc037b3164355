// A user has a pod running on the cluster, picks "Start Sync" in its context menu in the Jobs view,
// edits train.py and saves; the saved text is in the pod, the status bar shows the sync, and
// "KubeML: Stop Sync" from the command palette ends it (status bar item gone).
import { strict as assert } from 'node:assert';
import { clusterStatus, kubectl } from './cluster.mjs';
import { inPage, until } from './waits.mjs';

export const name = 'Sync: Start Sync from a pod in the Jobs view, save a file, see it in the pod, Stop Sync';

const NS = 'default';
const JOB = 'kubeml-e2e-sync';
const REMOTE = '/workspace';

export async function scenario(wb, { env }) {
  if (!env.KUBECONFIG) throw new Error('this scenario needs the local cluster (scripts/cluster/cluster.sh up)');
  const image = clusterStatus('TRAIN_IMAGE');
  assert.ok(image, 'no TRAIN_IMAGE in the cluster status');
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: JOB, namespace: NS },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          nodeSelector: { 'kubernetes.io/hostname': 'kubeml-node' },
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image, imagePullPolicy: 'Never', command: ['sh', '-c', 'sleep 900'] }],
        },
      },
    },
  };
  kubectl(env, ['delete', 'job', '-n', NS, JOB, '--ignore-not-found', '--wait=true']);
  const apply = kubectl(env, ['apply', '-f', '-'], JSON.stringify(job));
  assert.equal(apply.status, 0, apply.stderr);
  try {
    const ready = kubectl(env, ['wait', '-n', NS, '--for=condition=Ready', 'pod', '-l', `job-name=${JOB}`, '--timeout=90s']);
    assert.equal(ready.status, 0, `the pod did not start: ${ready.stderr}`);
    const pod = kubectl(env, ['get', 'pod', '-n', NS, '-l', `job-name=${JOB}`, '-o', 'jsonpath={.items[0].metadata.name}']).stdout.trim();

    await wb.openKubeML();
    await wb.page.waitForFunction(
      () => !document.querySelector('.sidebar')?.textContent?.includes('Connecting to the cluster'),
      undefined,
      { timeout: 90_000 },
    );
    for (const v of ['Datasets', 'Runs', 'Queues', 'GPUs', 'Models']) {
      const header = wb.view(v).locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
    await wb.expandView('Jobs');
    const expand = async (re) => {
      const r = wb
        .view('Jobs')
        .locator('.monaco-list-row')
        .filter({ has: wb.page.locator('.label-name', { hasText: re }) })
        .first();
      await r.waitFor({ timeout: 60_000 });
      if ((await r.getAttribute('aria-expanded')) === 'false') await r.locator('.monaco-tl-twistie').click();
      return r;
    };
    await expand(/^Running$/);
    await expand(new RegExp(`^${JOB}$`));
    const podRow = wb
      .view('Jobs')
      .locator('.monaco-list-row')
      .filter({ has: wb.page.locator('.label-name', { hasText: pod }) })
      .first();
    await podRow.waitFor({ timeout: 60_000 });

    // The user's way in: the pod's context menu.
    await wb.contextMenu(podRow, 'Start Sync');
    const statusItem = wb.page.locator('.statusbar .statusbar-item', { hasText: /^\s*Sync/ }).first();
    await until('the sync status bar item to say it is in sync', 60_000, async () =>
      /Sync/.test((await statusItem.innerText().catch(() => '')) ?? ''),
    );

    // Edit train.py and save, as a user does.
    await wb.page.keyboard.press('Control+P');
    const input = wb.page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill('train.py');
    await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'train.py' }).first().waitFor({ timeout: 10_000 });
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
    await wb.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    const marker = `# saved in the editor at ${Date.now()}`;
    await wb.page.keyboard.press('Control+End');
    await wb.page.keyboard.press('Enter');
    await wb.page.keyboard.type(marker);
    await wb.page.keyboard.press('Control+S');
    await until('the saved line to be in the pod', 30_000, async () =>
      kubectl(env, ['exec', '-n', NS, pod, '--', 'sh', '-c', `grep -F '${marker}' ${REMOTE}/train.py || true`]).stdout.includes(marker),
    );
    // What the screenshot shows: the editor saved (its tab not dirty) and the sync idle again
    // (the status bar item's check mark, not the spinner of pending changes).
    await inPage(
      wb.page,
      'the editor of train.py saved (its tab not dirty)',
      10_000,
      () => !!document.querySelector('.tab.active') && !document.querySelector('.tab.active.dirty'),
    );
    await until(
      'the sync status bar item to be idle (a check mark)',
      15_000,
      async () => statusItem.locator('.codicon-check').isVisible(),
      { state: () => statusItem.innerText().catch(() => 'no sync status bar item') },
    );
    await wb.screenshot('synced');

    await wb.runCommand('KubeML: Stop Sync');
    await until('the sync status bar item to go away', 15_000, async () => !(await statusItem.isVisible().catch(() => false)));
    await wb.screenshot('stopped');
  } finally {
    const del = kubectl(env, ['delete', 'job', '-n', NS, JOB, '--ignore-not-found', '--wait=false', '--cascade=foreground']);
    if (del.status !== 0) console.log(`  (cleanup) ${del.stderr}`);
  }
}
