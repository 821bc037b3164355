// A user with kubeml.prometheus.url set opens a drift report from the drift gauges of a model:
// Open Drift Report -> "Drift gauges in Prometheus" -> the model -> the last hour. The page lists
// the model's features and plots each one's drift over time (a time axis, one point per step)
// against its threshold, and the drifted share over time (screenshot). Then the other way in: an
// InferenceService named fraud-detector appears in the Models view, and its context menu's Open
// Drift Report opens the same gauges (screenshot). Needs the local cluster's Prometheus
// (scripts/cluster), which scrapes kubeml_model_drift_score.
import { strict as assert } from 'node:assert';
import { clusterStatus, kubectl } from './cluster.mjs';
import { driftFrame, waitForCharts } from './drift.mjs';
import { reach } from './waits.mjs';

export const name = 'Drift over time from Prometheus gauges';

function prometheusUrl(env) {
  return env.KUBEML_PROMETHEUS_URL ?? clusterStatus('PROMETHEUS_URL');
}

async function pick(wb, title, item) {
  await reach(
    wb.page.locator('.quick-input-widget .quick-input-title', { hasText: title }),
    'visible',
    `the quick pick "${title}"`,
    20_000,
  );
  const row = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: item }).first();
  await reach(row, 'visible', `the item "${item}" in the quick pick "${title}"`, 20_000);
  await row.click();
}

/** The runner writes these workspace settings before the workbench loads. */
export function settings({ env }) {
  const url = prometheusUrl(env);
  return url ? { 'kubeml.prometheus.url': url } : {};
}

export async function scenario(wb, { env }) {
  assert.ok(prometheusUrl(env), 'no Prometheus URL: start the local cluster (bash scripts/cluster/cluster.sh up)');
  await wb.openKubeML();
  await wb.runCommand('KubeML: Open Drift Report');
  await pick(wb, 'where is the data', 'Drift gauges in Prometheus');
  await pick(wb, 'Drift gauges of which model', 'fraud-detector');
  await pick(wb, 'Time range', 'Last hour');
  const frame = await driftFrame(wb, { summary: /model="fraud-detector"/ });
  // Gauges have no samples: the page draws drift over time and the drifted share, no histogram.
  await waitForCharts(frame, ['time', 'share'], 'the drift over time and drifted share of fraud-detector');
  await wb.screenshot('drift-prometheus');
  const seen = await frame.evaluate(() => {
    const painted = (id) => {
      const box = document.getElementById(id);
      const c = box?.querySelector('canvas');
      if (!c || box.hidden) return 0;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    };
    return {
      features: [...document.querySelectorAll('#features tbody tr')].map((r) => r.dataset.feature).sort(),
      title: document.getElementById('hist-title')?.textContent ?? '',
      histHidden: document.getElementById('hist')?.hidden,
      time: painted('time'),
      share: painted('share'),
      noWindows: !!document.getElementById('no-windows'),
    };
  });
  assert.deepEqual(seen.features, ['amount', 'country', 'hour_of_day', 'merchant_category']);
  assert.equal(seen.noWindows, false, 'the report has windows (one per step)');
  assert.ok(seen.time > 1000, 'drift over time is drawn');
  assert.ok(seen.share > 1000, 'the drifted share over time is drawn');
  assert.equal(seen.histHidden, true, 'no histogram for gauges');
  assert.match(seen.title, /no histogram/);

  // Keyboard: the drift-over-time plot takes the focus; End puts the cursor on the last window and
  // the legend reads its value, the selected feature's latest score (the table's Score).
  await frame.locator('#time .u-over').focus();
  await wb.page.keyboard.press('End');
  const read = await frame.evaluate(() => ({
    legend: document.querySelectorAll('#time .u-legend .u-series')[1]?.querySelector('.u-value')?.textContent ?? '',
    score: document.querySelector('#features tbody tr[aria-selected="true"] td.num')?.textContent ?? '',
    focused: document.activeElement?.classList.contains('u-over') ?? false,
  }));
  assert.ok(read.focused, 'the plot area has the focus');
  assert.ok(Math.abs(Number(read.legend) - Number(read.score)) < 1e-3, `legend ${read.legend} vs score ${read.score}`);

  await fromModelsView(wb, env);
}

/** Right-click the model in the Models view -> Open Drift Report: its gauges (the only source here). */
async function fromModelsView(wb, env) {
  const isvc = {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: 'fraud-detector', namespace: 'default' },
    spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'pvc://kubeml-artifacts/fraud-detector/model' } } },
  };
  const apply = kubectl(env, ['apply', '-f', '-'], JSON.stringify(isvc));
  assert.equal(apply.status, 0, apply.stderr);
  try {
    await wb.runCommand('View: Close All Editors');
    await wb.openKubeML();
    for (const v of ['Datasets', 'Jobs', 'Runs', 'Queues', 'GPUs']) {
      const header = wb.view(v).locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
    await wb.expandView('Models');
    const row = wb
      .view('Models')
      .locator('.monaco-list-row')
      .filter({ has: wb.page.locator('.label-name', { hasText: /^fraud-detector$/ }) })
      .first();
    await row.waitFor({ timeout: 60_000 });
    await wb.contextMenu(row, 'Open Drift Report');
    const frame = await driftFrame(wb, { summary: /model="fraud-detector"/ });
    await waitForCharts(frame, ['time', 'share'], 'the drift over time and drifted share of fraud-detector (from the Models view)');
    await wb.screenshot('drift-from-models-view');
    const features = await frame.evaluate(() => [...document.querySelectorAll('#features tbody tr')].map((r) => r.dataset.feature).sort());
    assert.deepEqual(features, ['amount', 'country', 'hour_of_day', 'merchant_category']);
    assert.equal(
      await wb.page.locator('.quick-input-widget .monaco-list-row').filter({ visible: true }).count(),
      0,
      'no list to choose from: one source',
    );
  } finally {
    kubectl(env, ['delete', 'inferenceservice', '-n', 'default', 'fraud-detector', '--ignore-not-found', '--wait=false']);
  }
}
