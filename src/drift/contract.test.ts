import { strict as assert } from 'node:assert';
import { computeDrift, summarizeReference } from './engine';
import {
  MAX_FEATURE_NAME,
  driftReportProblem,
  isDriftReport,
  isHostMessage,
  isPageMessage,
  reportToCsv,
  shortFeatureName,
} from '../model/driftContract';
import type { Table } from './table';

const t = (v: number[], name = '=cmd'): Table => ({
  source: 'm',
  rows: v.length,
  columns: [{ name, kind: 'numeric', values: Float64Array.from(v) }],
  warnings: [],
});
/** A report from the engine on a column with this name, as the page receives it (through JSON). */
const reportNamed = (name: string) =>
  JSON.parse(
    JSON.stringify(computeDrift(summarizeReference(t([1, 2, 3, 3, 3, 3], name)), t([4, 5, 6, 7, 8, 9], name), { windows: { rows: 3 } })),
  );

describe('drift panel contract', () => {
  it('accepts exactly the page messages it defines', () => {
    assert.ok(isPageMessage({ type: 'ready' }));
    assert.ok(isPageMessage({ type: 'select', feature: 'x' }));
    assert.ok(isPageMessage({ type: 'exportPng', feature: 'x', dataUrl: 'data:image/png;base64,iVBORw0K' }));
    for (const bad of [
      null,
      'ready',
      { type: 'ready', extra: 1 },
      { type: 'select' },
      { type: 'select', feature: 3 },
      { type: 'exportPng', feature: 'x', dataUrl: 'data:text/html;base64,AAAA' },
      { type: 'exportPng', feature: 'x', dataUrl: 'data:image/png;base64,<script>' },
      { type: 'eval', code: '1' },
    ]) {
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

  it('takes a report whose feature name is over 1,000 characters (the panel stayed blank), and the page messages that name it', () => {
    const name = `feature_${'x'.repeat(5000)}`;
    const json = reportNamed(name);
    assert.equal(driftReportProblem(json), undefined);
    assert.ok(isDriftReport(json));
    assert.ok(isHostMessage({ type: 'report', report: json }));
    assert.ok(isHostMessage({ type: 'window', window: json.windows[0] }));
    assert.ok(isPageMessage({ type: 'select', feature: name }));
    assert.ok(isPageMessage({ type: 'exportPng', feature: name, dataUrl: 'data:image/png;base64,iVBORw0K' }));
  });

  it('says what is wrong with a report it refuses', () => {
    const huge = reportNamed('y'.repeat(MAX_FEATURE_NAME + 1));
    assert.match(driftReportProblem(huge)!, /feature 1 has a name of 65,537 characters \(at most 65,536\)/);
    assert.equal(isDriftReport(huge), false);
    const json = reportNamed('a');
    assert.match(driftReportProblem({ ...json, version: 2 })!, /version 2/);
    assert.match(driftReportProblem({ ...json, features: [json.features[0], { name: 'x' }] })!, /feature 2/);
    assert.match(driftReportProblem('nope')!, /not an object/);
  });

  it('shortens a long feature name for display, keeping its start and end', () => {
    assert.equal(shortFeatureName('age'), 'age');
    const long = `start_${'m'.repeat(2000)}_end`;
    const short = shortFeatureName(long, 60);
    assert.ok(short.length <= 60, short);
    assert.ok(short.startsWith('start_m') && short.endsWith('m_end') && short.includes('…'), short);
    assert.equal(shortFeatureName('z'.repeat(60), 60), 'z'.repeat(60));
  });
});
