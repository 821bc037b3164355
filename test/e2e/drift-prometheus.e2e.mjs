// A user with kubeml.prometheus.url set opens a drift report from the drift gauges of a model:
// Open Drift Report -> "Drift gauges in Prometheus" -> the model -> the last hour. The page lists
// the model's features and plots each one's drift over time (a time axis, one point per step)
// against its threshold, and the drifted share over time (screenshot). Needs the local cluster's
// Prometheus (scripts/cluster), which scrapes kubeml_model_drift_score.
import { strict as assert } from 'node:assert';
import { clusterStatus } from './cluster.mjs';

export const name = 'Drift over time from Prometheus gauges';

function prometheusUrl(env) {
  return env.KUBEML_PROMETHEUS_URL ?? clusterStatus('PROMETHEUS_URL');
}

async function pick(wb, title, item) {
  await wb.page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout: 20_000 });
  const row = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: item }).first();
  await row.waitFor({ timeout: 20_000 });
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
  let frame;
  const end = Date.now() + 45_000;
  while (!frame) {
    for (const f of wb.page.frames()) {
      if (await f.evaluate(() => document.querySelectorAll('#features tbody tr').length > 0).catch(() => false)) frame = f;
    }
    if (!frame && Date.now() > end) throw new Error('the drift page did not show its feature table');
    if (!frame) await wb.page.waitForTimeout(300);
  }
  await wb.page.waitForTimeout(800);
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
}
