// Test layers report here, so that `npm test` can print one total at the end.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESULTS_DIR = 'test-results';

export function writeLayerResult(layer, counts) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${layer}.summary.json`), JSON.stringify({ layer, ...counts }, null, 2));
}

export function readLayerResult(layer) {
  const p = join(RESULTS_DIR, `${layer}.summary.json`);
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : undefined;
}

/** Prints the records an in-editor suite wrote, and returns its counts. */
export function printSuiteRecords(file, label) {
  if (!existsSync(file)) {
    console.log(`[${label}] the suite wrote no results (${file}): it did not start or crashed before the end`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const data = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`[${label}] ran inside ${data.appName} ${data.vscodeVersion}`);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const r of data.records) {
    if (r.state === 'passed') {
      counts.passed++;
      console.log(`  ✔ ${r.title}${r.durationMs ? ` (${r.durationMs} ms)` : ''}`);
    } else if (r.state === 'failed') {
      counts.failed++;
      console.log(`  ✘ ${r.title}\n      ${r.error.replace(/\n/g, '\n      ')}`);
    } else {
      counts.skipped++;
      console.log(`  - ${r.title} (skipped)`);
    }
  }
  if (data.finished === false) {
    counts.failed++;
    console.log(`  ✘ the suite did not finish${data.running ? `; it was running: ${data.running}` : ''}`);
  }
  return counts;
}

export function countsLine(counts) {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}
