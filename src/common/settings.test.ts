import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { thresholdsFromSettings } from '../drift/settings';
import { lintSettings } from '../lint/settings';
import { DEFAULT_THRESHOLDS } from '../model/driftReport';
import { syncSettings } from '../sync/settings';
import { DEFAULTS, objectSource, read, type Setting, Settings } from './settings';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Record<string, unknown>> } };
};
const contributed = pkg.contributes.configuration.properties;
const table = Object.values(Settings) as Setting<unknown>[];

describe('settings: one typed table', () => {
  it('holds every kubeml.* setting that package.json contributes, and no other', () => {
    assert.deepEqual(table.map((s) => `kubeml.${s.key}`).sort(), Object.keys(contributed).sort());
  });

  it("has package.json's default, type, range and choices for each", () => {
    for (const s of table) {
      const c = contributed[`kubeml.${s.key}`];
      assert.deepEqual(c.default, s.default, `default of ${s.key}`);
      for (const [k, v] of Object.entries(s.schema)) {
        if (k === 'enum') assert.deepEqual(c.enum ?? c.additionalProperties, v, `enum of ${s.key}`);
        else assert.deepEqual(c[k], v, `${k} of ${s.key}`);
      }
      for (const k of ['minimum', 'maximum', 'minItems', 'maxItems'])
        if (c[k] !== undefined) assert.equal(s.schema[k], c[k], `${k} of ${s.key} is in package.json but not in the table`);
    }
  });

  it('reads a value in range and keeps the default for anything else', () => {
    const src = objectSource({
      'drift.bins': 20,
      'drift.pValueThreshold': 1.5,
      'lint.debounceMs': -1,
      'sync.remoteFolder': '   ',
      'drift.method': 'magic',
      'sync.exclude': ['a', 3],
      'sync.mirror': 'yes',
    });
    assert.equal(read(src, Settings.driftBins), 20);
    assert.equal(read(src, Settings.driftPValue), 0.05);
    assert.equal(read(src, Settings.lintDebounceMs), 300);
    assert.equal(read(src, Settings.syncRemoteFolder), '/workspace');
    assert.equal(read(src, Settings.driftMethod), 'auto');
    assert.deepEqual(read(src, Settings.syncExclude), []);
    assert.equal(read(src, Settings.syncMirror), false);
    assert.equal(read(objectSource({ 'drift.bins': 2.5 }), Settings.driftBins), 10, 'an integer setting refuses a fraction');
    assert.equal(read(objectSource({ kubeconfig: '  /k/config  ' }), Settings.kubeconfig), '/k/config');
  });

  it('drift thresholds: the defaults are the engine defaults, and values out of range keep them', () => {
    assert.deepEqual(thresholdsFromSettings(DEFAULTS), DEFAULT_THRESHOLDS);
    const bad = {
      'drift.pValueThreshold': 2,
      'drift.method': 'magic',
      'drift.psiThresholds': [0.3, 0.1],
      'drift.bins': 2.5,
      'drift.datasetDriftShare': NaN,
      'drift.smallReferenceRows': 0,
    };
    assert.deepEqual(thresholdsFromSettings(objectSource(bad)), DEFAULT_THRESHOLDS);
    const good = thresholdsFromSettings(objectSource({ 'drift.method': 'psi', 'drift.psiThresholds': [0.02, 0.5], 'drift.bins': 20 }));
    assert.deepEqual([good.method, good.psiModerate, good.psiSignificant, good.bins], ['psi', 0.02, 0.5, 20]);
  });

  it('lint and sync settings from plain values', () => {
    const lint = lintSettings(objectSource({ 'lint.maxFileSizeMB': 2, 'lint.rules': { 'gpu-limits': 'off', bogus: 'loud' } }));
    assert.equal(lint.maxFileBytes, 2 * 1024 * 1024);
    assert.deepEqual(lint.rules, { 'gpu-limits': 'off' }, 'a severity that does not exist is dropped');
    assert.equal(lint.enable, true);
    const sync = syncSettings(objectSource({ 'sync.localFolder': '', 'sync.exclude': ['*.ckpt'] }));
    assert.deepEqual(sync, {
      localFolder: undefined,
      remoteFolder: '/workspace',
      maxFileSizeMB: 50,
      mirror: false,
      exclude: ['*.ckpt'],
      followRuns: true,
    });
  });
});
