import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Commands } from '../constants';
import { COMMAND_FEATURES, CORE_COMMANDS, FEATURES, featureOfCommand, isCoreCommand, type FeatureName } from './commandTable';

const FEATURE_DIRS: Record<FeatureName | 'core', string> = {
  explorer: 'src/explorer',
  lint: 'src/lint',
  runs: 'src/runs',
  sync: 'src/sync',
  drift: 'src/drift',
  experiments: 'src/experiments',
  queues: 'src/queues',
  health: 'src/health',
  core: 'src/cluster',
};

function sources(dir: string): string {
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .flatMap((p) =>
      statSync(p).isDirectory() ? [sources(p)] : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [readFileSync(p, 'utf8')] : [],
    )
    .join('\n');
}

/** Command keys a folder registers: registerCommand(Commands.x / reg(Commands.x / reg(RUN_COMMANDS.x. */
function registeredIn(dir: string): Set<string> {
  const text = sources(dir);
  return new Set([...text.matchAll(/(?:registerCommand|\breg)\(\s*(?:Commands|RUN_COMMANDS)\.(\w+)/g)].map((m) => m[1]));
}

describe('lazy command table', () => {
  it('places every command of src/constants.ts exactly once: core or one feature', () => {
    const keys = Object.keys(Commands).sort();
    const placed = [...CORE_COMMANDS, ...Object.keys(COMMAND_FEATURES)].sort();
    assert.deepEqual(placed, keys);
    for (const f of Object.values(COMMAND_FEATURES)) assert.ok(FEATURES.includes(f), f);
  });

  it('names the feature whose sources register each command', () => {
    const registered = Object.fromEntries(Object.entries(FEATURE_DIRS).map(([f, dir]) => [f, registeredIn(dir)]));
    for (const key of CORE_COMMANDS) assert.ok(registered.core.has(key), `${key} is not registered in src/cluster`);
    for (const [key, feature] of Object.entries(COMMAND_FEATURES)) {
      const where = Object.entries(registered)
        .filter(([, keys]) => keys.has(key))
        .map(([f]) => f);
      assert.deepEqual(
        where,
        [feature],
        `Commands.${key} is registered in ${where.join(', ') || 'no feature folder'}, the table says ${feature}`,
      );
    }
  });

  it('looks commands up by id', () => {
    assert.equal(featureOfCommand(Commands.launchTraining), 'runs');
    assert.equal(featureOfCommand(Commands.validateAgainstCluster), 'lint');
    assert.equal(featureOfCommand(Commands.refresh), undefined);
    assert.equal(featureOfCommand('kubeml.unknown'), undefined);
    assert.ok(isCoreCommand(Commands.selectContext));
    assert.ok(!isCoreCommand(Commands.startSync));
  });
});
