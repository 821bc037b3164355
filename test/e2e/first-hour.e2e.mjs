// The first hour of a new user (issue #18), in the sandbox workspace: the side bar's empty groups,
// a GPU run of the sample that lands on the node that runs code, its readable log and its drift
// report reached again from the Jobs view after the notifications are gone, a run whose claim is
// missing (its record says which, Create Claim… shows the manifest first and Re-run then
// succeeds), and a newcomer's manifest whose hardening suggestions are folded. Any of the stumbles
// the issue lists fails it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { driftFrame, waitForCharts } from './drift.mjs';
import { launchTraining } from './launch.mjs';
import { inPage, reach, until } from './waits.mjs';

export const name = 'The first hour: GPU run, results found again, a missing claim created, folded hardening';

const kubectl = (env, args, input) =>
  spawnSync(env.KUBEML_KUBECTL ?? 'kubectl', ['--kubeconfig', env.KUBECONFIG, ...args], { encoding: 'utf8', input });

/** Waits for a notification whose text matches `re`; fails at once on an unexpected failure. */
async function notification(wb, re, timeout, allowFailure = false) {
  return until(
    `a notification matching ${re}`,
    timeout,
    async () => {
      const texts = await wb.notificationTexts();
      const hit = texts.find((t) => re.test(t));
      if (hit) return hit;
      const failed = texts.find((t) => /Run .* failed|Cannot|not valid|not connected/i.test(t));
      if (failed && !allowFailure) throw new Error(`KubeML said: ${failed}`);
      return undefined;
    },
    { state: async () => `notifications: ${(await wb.notificationTexts()).join(' | ') || 'none'}` },
  );
}

async function clearNotifications(wb) {
  await wb.runCommand('Notifications: Clear All Notifications');
  await inPage(wb.page, 'the notifications to close', 10_000, () => !document.querySelector('.notifications-toasts .notification-toast'));
}

/** A run's row in the Jobs view (its group expanded), by the run id. */
async function jobRow(wb, group, id) {
  await wb.expandView('Jobs');
  const groupRow = wb
    .view('Jobs')
    .locator('.monaco-list-row')
    .filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^${group}$`) }) })
    .first();
  await reach(groupRow, 'visible', `the ${group} group of the Jobs view`, 30_000);
  if ((await groupRow.getAttribute('aria-expanded')) === 'false') await groupRow.locator('.monaco-tl-twistie').click();
  const row = wb
    .view('Jobs')
    .locator('.monaco-list-row')
    .filter({ has: wb.page.locator('.label-name', { hasText: id }) })
    .first();
  await reach(row, 'visible', `the row of ${id} under ${group}`, 60_000);
  return row;
}

const runIdIn = (text, kind) => new RegExp(`(forest-${kind}-[a-z0-9]+)`).exec(text)?.[1];

export async function scenario(wb, { env, workspace }) {
  if (!env.KUBECONFIG) throw new Error('this scenario needs the local cluster (scripts/cluster/cluster.sh up)');
  // What the sandbox prepares: the sample's artifacts claim.
  const apply = kubectl(env, ['apply', '-f', join(workspace, 'cluster', 'artifacts.yaml')]);
  assert.equal(apply.status, 0, apply.stderr);
  const specFile = join(workspace, 'kubeml.yaml');
  const original = readFileSync(specFile, 'utf8');
  const claim = `first-hour-${Date.now().toString(36)}`;
  const cleanup = [];
  try {
    // 1. The side bar: a group with no job has nothing to open (no twistie, no aria-expanded).
    await wb.openKubeML();
    await wb.waitForViewsShown(90_000);
    // A scenario before this one may have left the Jobs view collapsed: expanded, its rows render a moment later.
    await wb.expandView('Jobs');
    const readGroups = () =>
      wb
        .view('Jobs')
        .locator('.monaco-list-row[aria-level="1"]')
        .evaluateAll((rows) =>
          rows.map((r) => ({
            label: r.querySelector('.label-name')?.textContent ?? '',
            count: r.querySelector('.label-description')?.textContent ?? '',
            expanded: r.getAttribute('aria-expanded'),
          })),
        );
    const groups = await until('the four job groups', 30_000, async () => {
      const g = await readGroups();
      return g.length === 4 ? g : undefined;
    });
    for (const g of groups.filter((x) => x.count === '0'))
      assert.equal(g.expanded, null, `the empty group ${g.label} must have nothing to open: ${JSON.stringify(groups)}`);
    await wb.screenshot('side-bar');

    // 2. A GPU run: it tolerates the GPU taint and lands on the node that runs code (the real one, not the simulated fleet).
    writeFileSync(specFile, original.replace(/^resources:\n/m, 'resources:\n  gpus: 1\n'));
    await launchTraining(wb, { n_estimators: 20 });
    // While it is pending or running, its group (empty before) fills.
    const groupRows = () =>
      wb
        .view('Jobs')
        .locator('.monaco-list-row[aria-level="1"]')
        .evaluateAll((els) =>
          els.map((r) => ({
            label: r.querySelector('.label-name')?.textContent ?? '',
            count: r.querySelector('.label-description')?.textContent ?? '',
            expanded: r.getAttribute('aria-expanded'),
          })),
        );
    const filled = await until(
      'the Pending or Running group to fill while the run goes',
      120_000,
      async () => (await groupRows()).find((g) => (g.label === 'Pending' || g.label === 'Running') && g.count !== '0'),
      { state: async () => (await wb.rows('Jobs')).join(' | ') },
    );
    // It can be opened now (a twistie): VS Code keeps it closed, as an item's expansion is kept by its id.
    assert.notEqual(filled.expanded, null, `a group with a job has something to open: ${JSON.stringify(filled)}`);
    const trained = await notification(wb, /Run forest-train-\S+ succeeded: .*accuracy/, 300_000);
    const trainId = runIdIn(trained, 'train');
    assert.ok(trainId, trained);
    const record = JSON.parse(readFileSync(join(workspace, '.kubeml', 'runs', trainId, 'run.json'), 'utf8'));
    assert.equal(record.phase, 'succeeded');
    const manifest = readFileSync(join(workspace, '.kubeml', 'runs', trainId, 'manifest.yaml'), 'utf8');
    assert.match(manifest, /nvidia\.com\/gpu: "?1"?/);
    assert.match(manifest, /key: nvidia\.com\/gpu/, 'the GPU run tolerates the GPU taint');
    await wb.screenshot('gpu-run-succeeded');
    writeFileSync(specFile, original);
    await clearNotifications(wb);

    // 3. Results found again after the notification is gone: the readable log from the run's Jobs row.
    await wb.contextMenu(await jobRow(wb, 'Succeeded', trainId), 'Show Run Logs');
    const editor = wb.page.locator('.editor-instance .view-lines').first();
    await until('the readable run log', 30_000, async () =>
      (await editor.innerText().catch(() => '')).includes('accuracy') ? true : undefined,
    );
    const log = await editor.innerText();
    assert.doesNotMatch(log, /KUBEML_RESULT \{/, 'results are readable lines, not raw JSON');
    await wb.screenshot('readable-log');
    await wb.runCommand('View: Close All Editors');

    // 4. Validation, then its drift report from the validation's Jobs row: sorted by drift, no stray text.
    await wb.runCommand('KubeML: Run Validation');
    const items = await wb.quickPickItems();
    assert.ok(
      items.some((t) => t.includes(trainId)),
      `the run is offered: ${items.join(' | ')}`,
    );
    const pick = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: trainId }).first();
    await pick.click();
    const validated = await notification(wb, /Run forest-val-\S+ succeeded/, 300_000);
    const valId = runIdIn(validated, 'val');
    await clearNotifications(wb);
    await wb.contextMenu(await jobRow(wb, 'Succeeded', valId), 'Open Drift Report');
    const frame = await driftFrame(wb, { timeout: 30_000 });
    await waitForCharts(frame, ['hist'], 'the histogram of the drift report');
    const page = await frame.evaluate(() => {
      const scores = [...document.querySelectorAll('#features tbody tr')].map((r) => Number(r.children[2]?.textContent));
      const live = document.getElementById('live')?.getBoundingClientRect();
      return { scores, live: live ? { w: live.width, h: live.height } : null };
    });
    assert.ok(page.scores.length > 1, JSON.stringify(page));
    assert.deepEqual(
      page.scores,
      [...page.scores].sort((a, b) => b - a),
      'the table is sorted by drift',
    );
    assert.ok(
      page.live && page.live.w <= 1 && page.live.h <= 1,
      `the announcement is for screen readers only: ${JSON.stringify(page.live)}`,
    );
    await wb.screenshot('drift-report');
    await wb.runCommand('View: Close All Editors');

    // 5. A run whose claim is missing fails before its pod, stays in Failed, and Create Claim… shows the manifest first.
    const volume = [
      'apiVersion: v1',
      'kind: PersistentVolume',
      'metadata:',
      `  name: ${claim}`,
      'spec:',
      '  capacity: {storage: 1Gi}',
      '  accessModes: [ReadWriteOnce]',
      '  storageClassName: kubeml-local',
      `  claimRef: {namespace: default, name: ${claim}}`,
      `  hostPath: {path: /var/lib/kubeml/artifacts/${claim}, type: DirectoryOrCreate}`,
      '  nodeAffinity:',
      '    required:',
      '      nodeSelectorTerms:',
      '        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [kubeml-node]}]',
      '---',
      'apiVersion: v1',
      'kind: PersistentVolumeClaim',
      'metadata:',
      `  name: ${claim}`,
      '  namespace: default',
      'spec:',
      '  accessModes: [ReadWriteOnce]',
      '  storageClassName: kubeml-local',
      `  volumeName: ${claim}`,
      '  resources: {requests: {storage: 1Gi}}',
      '',
    ].join('\n');
    writeFileSync(join(workspace, 'cluster', 'first-hour.yaml'), volume);
    writeFileSync(specFile, original.replace(/claim: kubeml-artifacts/, `claim: ${claim}`));
    await launchTraining(wb, { n_estimators: 10 });
    const failed = await notification(wb, /Run forest-train-\S+ failed: .*does not exist/, 120_000, true);
    const failedId = runIdIn(failed, 'train');
    assert.match(failed, new RegExp(`claim ${claim} does not exist`));
    assert.match(failed, /kubectl apply -f cluster\/first-hour\.yaml/, 'the hint names the workspace file');
    await wb.screenshot('missing-claim');
    // It failed before any object was applied (the Jobs view has nothing of it): its record keeps why,
    // and the Runs view keeps it, Failed, until its record is deleted.
    const failedRecord = JSON.parse(readFileSync(join(workspace, '.kubeml', 'runs', failedId, 'run.json'), 'utf8'));
    assert.deepEqual(failedRecord.failure?.missingClaims, [claim]);
    await wb.expandView('Runs');
    const failedRow = wb
      .view('Runs')
      .locator('.monaco-list-row')
      .filter({ has: wb.page.locator('.label-name', { hasText: failedId }) })
      .first();
    await reach(failedRow, 'visible', `the failed run ${failedId} in the Runs view`, 30_000);
    assert.match(await failedRow.innerText(), /Failed/);
    await wb.page.locator('.notifications-toasts .monaco-button', { hasText: 'Create Claim' }).first().click();
    // The manifest is shown first, then the confirmation.
    const dialog = wb.page.locator('.monaco-dialog-box');
    await reach(dialog, 'visible', 'the Create Claim confirmation', 30_000);
    assert.match(await dialog.innerText(), new RegExp(`Create the claim ${claim} in namespace default from cluster/first-hour\\.yaml`));
    const tab = wb.page.locator('.tabs-container .tab.active');
    assert.match(await tab.innerText(), /first-hour\.yaml/);
    await wb.screenshot('create-claim');
    await dialog.locator('.monaco-button', { hasText: /^Create$/ }).click();
    await notification(wb, new RegExp(`Created the claim ${claim} in namespace default`), 30_000, true);
    await wb.page.locator('.notifications-toasts .monaco-button', { hasText: 'Re-run' }).first().click();
    const rerun = runIdIn(await notification(wb, /Run forest-train-\S+ succeeded: .*accuracy/, 300_000, true), 'train');
    await wb.screenshot('re-run-succeeded');
    // Its Job keeps its finished pod, which keeps the claim in use: delete both at the end.
    cleanup.push(['delete', 'job', '-n', 'default', '-l', `kubeml.io/run=${rerun}`, '--wait=false']);
    writeFileSync(specFile, original);
    await clearNotifications(wb);

    // 6. A newcomer's manifest: what stops it from running, and one folded hardening information.
    writeFileSync(
      join(workspace, 'newcomer.yaml'),
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: train\nspec:\n  template:\n    spec:\n      containers:\n        - name: train\n          image: pytorch/pytorch:latest\n          command: ["python", "train.py"]\n          resources:\n            limits:\n              nvidia.com/gpu: 1\n      restartPolicy: Never\n',
    );
    await wb.runCommand('Go to File...');
    await wb.page.locator('.quick-input-widget input.input').fill('newcomer.yaml');
    await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'newcomer.yaml' }).first().waitFor({ timeout: 15_000 });
    await wb.page.keyboard.press('Enter');
    await wb.runCommand('Focus on Problems View');
    const problems = wb.page.locator('.markers-panel');
    await until('the folded hardening information in Problems', 30_000, async () =>
      /hardening suggestions folded/.test(await problems.innerText().catch(() => '')) ? true : undefined,
    );
    const text = await problems.innerText();
    // Problems shows each finding with its source and rule (kubeml, gpu-toleration). The folded ones are only named in the one information.
    assert.doesNotMatch(
      text,
      /kubeml\s+(run-as-non-root|unset-memory-requirements|privilege-escalation-container)\s/,
      `hardening is folded:\n${text}`,
    );
    assert.match(text, /kubeml\s+gpu-toleration\s/, text);
    assert.match(text, /kubeml\s+hardening\s/, text);
    await wb.screenshot('newcomer-problems');
  } finally {
    writeFileSync(specFile, original);
    for (const args of cleanup) kubectl(env, args);
    kubectl(env, ['delete', 'pvc', '-n', 'default', claim, '--ignore-not-found', '--wait=false']);
    kubectl(env, ['delete', 'pv', claim, '--ignore-not-found', '--wait=false']);
  }
}
