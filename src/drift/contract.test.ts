import { strict as assert } from 'node:assert';
import { computeDrift, summarizeReference } from './engine';
import { isDriftReport, isHostMessage, isPageMessage, reportToCsv } from '../model/driftContract';
import type { Table } from './table';

const t = (v: number[]): Table => ({ source: 'm', rows: v.length, columns: [{ name: '=cmd', kind: 'numeric', values: Float64Array.from(v) }], warnings: [] });

describe('drift panel contract', () => {
  it('accepts exactly the page messages it defines', () => {
    assert.ok(isPageMessage({ type: 'ready' }));
    assert.ok(isPageMessage({ type: 'select', feature: 'x' }));
    assert.ok(isPageMessage({ type: 'exportPng', feature: 'x', dataUrl: 'data:image/png;base64,iVBORw0K' }));
    for (const bad of [null, 'ready', { type: 'ready', extra: 1 }, { type: 'select' }, { type: 'select', feature: 3 }, { type: 'exportPng', feature: 'x', dataUrl: 'data:text/html;base64,AAAA' }, { type: 'exportPng', feature: 'x', dataUrl: 'data:image/png;base64,<script>' }, { type: 'eval', code: '1' }]) {
      assert.equal(isPageMessage(bad), false, JSON.stringify(bad));
    }
  });

  it('round-trips a report through JSON and refuses malformed ones', () => {
    const r = computeDrift(summarizeReference(t([1, 2, 3, 4, 5, 6])), t([4, 5, 6, 7, 8, 9]), { windows: { rows: 3 } });
    const json = JSON.parse(JSON.stringify(r));
    assert.ok(isDriftReport(json));
    assert.ok(isHostMessage({ type: 'report', report: json }));
    assert.ok(isHostMessage({ type: 'window', window: json.windows[0] }));
    assert.equal(isDriftReport({ ...json, features: [{ name: 'x' }] }), false);
    assert.equal(isDriftReport({ ...json, version: 2 }), false);
  });

  it('exports CSV with quoting and formula-safe cells', () => {
    const csv = reportToCsv(computeDrift(summarizeReference(t([1, 2, 3])), t([1, 2, 3])));
    assert.match(csv.split('\n')[1], /^'=cmd,numeric,ok,chi2,1,0\.05,0,1,0,0,0,none,0,0,1,3,3$/);
  });
});
