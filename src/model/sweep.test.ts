import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { parseSpec } from './runSpec';
import { planSweep, seededRandom } from './sweep';
import { SWEEP_KEYS, type SweepSpec } from './sweepSpec';

const ROOT = join(__dirname, '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'kubeml.schema.json'), 'utf8')) as {
  properties: Record<string, { properties?: Record<string, unknown> }>;
};
const BASE = `name: demo
image: python:3.12
command: [python3, train.py]
parameters:
  n_estimators: 100
  max_depth: 8
  lr: 0.01
  optimizer: adam
  shuffle: true
`;
const withSweep = (sweep: string) => BASE + 'sweep:\n' + sweep.replace(/^/gm, '  ') + '\n';
const sweepOf = (sweep: string): SweepSpec => {
  const { spec, problems } = parseSpec(withSweep(sweep));
  assert.deepEqual(problems, []);
  return spec!.sweep!;
};
const problemsOf = (sweep: string) => parseSpec(withSweep(sweep)).problems;

describe('model: sweep: in kubeml.yaml', () => {
  it('parses a random sweep with values, integer and log ranges', () => {
    const s = sweepOf(`method: random
trials: 12
parallel: 3
metric: accuracy
direction: maximize
seed: 7
parameters:
  n_estimators: [20, 50, "100"]
  max_depth: { min: 2, max: 12 }
  lr: { min: 0.0001, max: 0.1, scale: log }`);
    assert.deepEqual(s, {
      method: 'random',
      trials: 12,
      parallel: 3,
      metric: 'accuracy',
      direction: 'maximize',
      seed: 7,
      parameters: {
        n_estimators: { kind: 'values', values: [20, 50, 100] },
        max_depth: { kind: 'range', min: 2, max: 12, scale: 'linear', integer: true },
        lr: { kind: 'range', min: 0.0001, max: 0.1, scale: 'log', integer: false },
      },
    });
  });

  it('defaults: grid, parallel 1, seed 0, no trial cap', () => {
    const s = sweepOf('metric: loss\ndirection: minimize\nparameters: { optimizer: { values: [adam, sgd] } }');
    assert.deepEqual([s.method, s.parallel, s.seed, s.trials], ['grid', 1, 0, undefined]);
  });

  it('says which parameter, value or range is wrong', () => {
    const msgs = (s: string) => problemsOf(s).map((p) => `${p.path}: ${p.message}`);
    const ok = 'metric: accuracy\ndirection: maximize\n';
    assert.match(
      msgs(ok + 'parameters: { depth: [1, 2] }').join('\n'),
      /sweep\.parameters\.depth: Unknown parameter "depth".*declared: n_estimators/,
    );
    assert.match(
      msgs(ok + 'parameters: { max_depth: [] }').join('\n'),
      /sweep\.parameters\.max_depth: The values of "max_depth" must be a non-empty list/,
    );
    assert.match(msgs(ok + 'parameters: {}').join('\n'), /sweep\.parameters: sweep\.parameters must name at least one/);
    assert.match(
      msgs(ok + 'parameters: { max_depth: [1, 2.5] }').join('\n'),
      /sweep\.parameters\.max_depth\[1\]: max_depth: Expected a whole number/,
    );
    assert.match(
      msgs(ok + 'method: random\ntrials: 3\nparameters: { lr: { min: 0.1, max: 0.01 } }').join('\n'),
      /sweep\.parameters\.lr: The range of "lr" is empty or reversed: min \(0\.1\) must be less than max \(0\.01\)/,
    );
    assert.match(
      msgs(ok + 'method: random\ntrials: 3\nparameters: { lr: { min: 0, max: 1, scale: log } }').join('\n'),
      /sweep\.parameters\.lr\.min: A log scale needs min > 0/,
    );
    assert.match(
      msgs(ok + 'method: random\ntrials: 3\nparameters: { max_depth: { min: 1.5, max: 4 } }').join('\n'),
      /max_depth\.min: min must be a whole number/,
    );
    assert.match(
      msgs(ok + 'method: random\ntrials: 3\nparameters: { optimizer: { min: 1, max: 4 } }').join('\n'),
      /"optimizer" is a string parameter/,
    );
    assert.match(msgs(ok + 'parameters: { lr: { min: 0.1, max: 1 } }').join('\n'), /A grid sweep needs a values list for "lr"/);
    assert.match(msgs(ok + 'method: random\nparameters: { lr: [0.1] }').join('\n'), /sweep\.trials: A random sweep needs "trials"/);
    assert.match(
      msgs('direction: up\nparameters: { lr: [0.1] }').join('\n'),
      /sweep\.metric: "metric" is required[^]*sweep\.direction: "direction" is required/,
    );
    assert.match(
      msgs(ok + 'parallel: 0\nparameters: { lr: [0.1] }').join('\n'),
      /sweep\.parallel: "parallel" must be a whole number from 1 to 100/,
    );
    assert.match(msgs(ok + 'grid: yes\nparameters: { lr: [0.1] }').join('\n'), /sweep\.grid: Unknown field "grid"/);
    assert.match(
      msgs(
        ok +
          `parameters: { n_estimators: [${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}], max_depth: [${Array.from({ length: 100 }, (_, i) => i + 1).join(',')}] }`,
      ).join('\n'),
      /The grid has 10100 combinations/,
    );
  });

  it('the published JSON schema knows the sweep fields and agrees with the parser', () => {
    assert.deepEqual(Object.keys(schema.properties.sweep!.properties!).sort(), [...SWEEP_KEYS].sort());
    const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
    const ok = 'metric: accuracy\ndirection: maximize\n';
    const docs = [
      ok + 'parameters: { max_depth: [2, 4] }',
      ok + 'method: random\ntrials: 4\nparameters: { lr: { min: 0.001, max: 0.1, scale: log }, max_depth: { values: [2, 4] } }',
      ok + 'method: random\nparameters: { lr: [0.1] }',
      ok + 'parameters: { lr: { min: 0.1, max: 1 } }',
      ok + 'parameters: { max_depth: [] }',
      ok + 'parameters: {}',
      ok + 'method: bayes\nparameters: { lr: [0.1] }',
      ok + 'parallel: 0\nparameters: { lr: [0.1] }',
      'metric: accuracy\nparameters: { lr: [0.1] }',
      ok + 'method: random\ntrials: 2\nparameters: { lr: { min: 0.1, max: 1, scale: cubic } }',
    ];
    for (const d of docs) {
      const text = withSweep(d);
      const bySchema = validate(parse(text));
      const byParser = parseSpec(text).problems.length === 0;
      assert.equal(
        bySchema,
        byParser,
        `${d}: the schema says ${bySchema ? 'valid' : JSON.stringify(validate.errors)}, the parser ${byParser ? 'valid' : 'invalid'}`,
      );
    }
  });
});

describe('model: the sweep planner', () => {
  it("plans the sample workspace's sweep: four combinations, two at once", () => {
    const { spec } = parseSpec(readFileSync(join(ROOT, 'samples', 'kubeml.yaml'), 'utf8'));
    assert.equal(spec?.sweep?.parallel, 2);
    assert.deepEqual(
      planSweep(spec!.sweep!).trials.map((t) => t.params),
      [
        { n_estimators: 20, max_depth: 4 },
        { n_estimators: 20, max_depth: 8 },
        { n_estimators: 100, max_depth: 4 },
        { n_estimators: 100, max_depth: 8 },
      ],
    );
  });

  it('a grid is every combination, the last parameter varying fastest', () => {
    const plan = planSweep(sweepOf('metric: a\ndirection: maximize\nparameters: { n_estimators: [20, 50, 100], optimizer: [adam, sgd] }'));
    assert.equal(plan.trials.length, 6);
    assert.deepEqual(
      plan.trials.map((t) => [t.index, t.params.n_estimators, t.params.optimizer]),
      [
        [0, 20, 'adam'],
        [1, 20, 'sgd'],
        [2, 50, 'adam'],
        [3, 50, 'sgd'],
        [4, 100, 'adam'],
        [5, 100, 'sgd'],
      ],
    );
    assert.equal(plan.note, undefined);
  });

  it('a grid is capped by trials, and repeated values make no repeated trials', () => {
    const capped = planSweep(
      sweepOf('metric: a\ndirection: maximize\ntrials: 4\nparameters: { n_estimators: [20, 50, 100], shuffle: [true, false] }'),
    );
    assert.deepEqual(
      capped.trials.map((t) => t.params),
      [
        { n_estimators: 20, shuffle: true },
        { n_estimators: 20, shuffle: false },
        { n_estimators: 50, shuffle: true },
        { n_estimators: 50, shuffle: false },
      ],
    );
    assert.match(capped.note ?? '', /first 4 of 6/);
    const dup = planSweep(sweepOf('metric: a\ndirection: maximize\nparameters: { n_estimators: [20, 20, "20", 50] }'));
    assert.deepEqual(
      dup.trials.map((t) => t.params.n_estimators),
      [20, 50],
    );
  });

  it('random draws stay in their ranges, are whole numbers for integers, and are reproducible by seed', () => {
    const text =
      'metric: a\ndirection: maximize\nmethod: random\ntrials: 200\nseed: 11\nparameters: { max_depth: { min: 2, max: 12 }, lr: { min: 0.0001, max: 0.1, scale: log }, optimizer: [adam, sgd, rmsprop] }';
    const a = planSweep(sweepOf(text));
    assert.equal(a.trials.length, 200);
    for (const t of a.trials) {
      const d = t.params.max_depth as number;
      const lr = t.params.lr as number;
      assert.ok(Number.isInteger(d) && d >= 2 && d <= 12, `max_depth ${d}`);
      assert.ok(lr >= 0.0001 && lr <= 0.1, `lr ${lr}`);
      assert.ok(['adam', 'sgd', 'rmsprop'].includes(t.params.optimizer as string));
    }
    // Both ends of an integer range are drawn.
    const depths = new Set(a.trials.map((t) => t.params.max_depth));
    assert.ok(depths.has(2) && depths.has(12), [...depths].join(','));
    // Log-uniform: about half the draws below the geometric mean (0.00316), a tenth above 0.0501 (10^-1.3).
    const below = a.trials.filter((t) => (t.params.lr as number) < Math.sqrt(0.0001 * 0.1)).length / 200;
    assert.ok(below > 0.4 && below < 0.6, `share below the geometric mean ${below}`);
    const top = a.trials.filter((t) => (t.params.lr as number) > 10 ** -1.3).length / 200;
    assert.ok(top > 0.04 && top < 0.17, `share in the top decade-third ${top}`);
    assert.deepEqual(planSweep(sweepOf(text)), a, 'the same seed plans the same trials');
    assert.notDeepEqual(planSweep(sweepOf(text.replace('seed: 11', 'seed: 12'))).trials, a.trials, 'another seed plans others');
  });

  it('random trials are distinct; a finite space smaller than asked is used up and said', () => {
    const plan = planSweep(
      sweepOf(
        'metric: a\ndirection: maximize\nmethod: random\ntrials: 10\nparameters: { max_depth: { min: 1, max: 3 }, shuffle: [true, false] }',
      ),
    );
    assert.equal(plan.trials.length, 6);
    assert.equal(new Set(plan.trials.map((t) => JSON.stringify(t.params))).size, 6);
    assert.match(plan.note ?? '', /6 distinct parameter sets \(of 10 asked\): the space has only 6/);
    assert.deepEqual(
      plan.trials.map((t) => t.index),
      [0, 1, 2, 3, 4, 5],
    );
  });

  it('the seeded generator is uniform enough and differs by seed', () => {
    const r = seededRandom(1);
    const xs = Array.from({ length: 10_000 }, r);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notEqual(seededRandom(2)(), seededRandom(1)());
  });
});
