import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import {
  coerceParam,
  loadSpec,
  MOUNT_KEYS,
  PARAM_KEYS,
  TENSORBOARD_KEYS,
  parseSpec,
  resolveParams,
  RESOURCE_KEYS,
  TOP_KEYS,
  VALIDATION_KEYS,
} from './runSpec';

const ROOT = join(__dirname, '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'kubeml.schema.json'), 'utf8')) as {
  properties: Record<string, unknown>;
  definitions: Record<string, { properties?: Record<string, unknown>; oneOf?: Array<{ properties?: Record<string, unknown> }> }>;
};
const sample = readFileSync(join(ROOT, 'samples', 'kubeml.yaml'), 'utf8');
const MIN = 'name: demo\nimage: python:3.12\ncommand: [python3, train.py]\n';

describe('runs: kubeml.yaml', () => {
  it('parses the sample workspace file with its defaults and parameters', () => {
    const spec = loadSpec(sample);
    assert.equal(spec.name, 'forest');
    assert.equal(spec.kind, 'Job');
    assert.equal(spec.codePath, '/workspace/code');
    assert.equal(spec.imagePullPolicy, 'Never');
    assert.deepEqual(spec.artifacts, { claim: 'kubeml-artifacts', path: '/artifacts' });
    assert.equal(spec.parameters.n_estimators.type, 'integer');
    assert.equal(spec.parameters.shift.default, 1);
    assert.equal(spec.resources.gpus, undefined, 'the sample must run on the real node without GPUs');
    assert.ok(spec.validation);
  });

  it('applies defaults to a minimal file', () => {
    const spec = loadSpec(MIN);
    assert.deepEqual(
      [spec.kind, spec.workers, spec.codePath, spec.uploadTimeoutSeconds, spec.waitForResources],
      ['Job', 1, '/workspace/code', 600, false],
    );
    assert.deepEqual(spec.command, ['python3', 'train.py']);
  });

  it('reports each problem with its path', () => {
    const { spec, problems } = parseSpec(
      'name: Bad_Name\nimage: x\ncommand: 3\nresources: { memory: lots, gpus: -1 }\nkind: RayJob\nbogus: 1\nenv: { KUBEML_X: y }\ndatasets: [{ claim: d, path: relative }]\n',
    );
    assert.equal(spec, undefined);
    const paths = problems.map((p) => p.path).sort();
    assert.deepEqual(paths, ['bogus', 'command', 'datasets[0].path', 'env.KUBEML_X', 'kind', 'name', 'resources.gpus', 'resources.memory']);
    assert.match(problems.find((p) => p.path === 'resources.memory')!.message, /not a Kubernetes quantity/);
  });

  it('queue and priorityClass: a LocalQueue name and a PriorityClass name, each checked', () => {
    const spec = loadSpec(`${MIN}queue: team-a\npriorityClass: high-priority\n`);
    assert.equal(spec.queue, 'team-a');
    assert.equal(spec.priorityClass, 'high-priority');
    assert.equal(loadSpec(MIN).queue, undefined);
    const { spec: bad, problems } = parseSpec(`${MIN}queue: Team_A\npriorityClass: "a b"\n`);
    assert.equal(bad, undefined);
    assert.deepEqual(problems.map((p) => p.path).sort(), ['priorityClass', 'queue']);
    assert.match(problems.find((p) => p.path === 'queue')!.message, /not a valid LocalQueue name/);
  });

  it('refuses several workers for a Job and parameters named like built-in placeholders', () => {
    assert.ok(parseSpec(MIN + 'workers: 3\n').problems.some((p) => p.path === 'workers'));
    assert.ok(parseSpec(MIN + 'parameters: { model: 1 }\n').problems.some((p) => p.path === 'parameters.model'));
    assert.ok(parseSpec(MIN + 'kind: PyTorchJob\nworkers: 3\n').spec);
  });

  it('reports YAML syntax errors with an offset', () => {
    const { problems } = parseSpec('name: [unclosed\n');
    assert.equal(problems.length > 0, true);
    assert.match(problems[0].message, /^YAML/);
    assert.equal(typeof problems[0].offset, 'number');
  });

  it('loadSpec throws a KubeMLError naming the file and the problems', () => {
    assert.throws(
      () => loadSpec('name: x\n'),
      (e: Error) => /kubeml\.yaml is not valid: image: "image" is required/.test(e.message),
    );
  });

  it('types parameter values from input boxes and checks enums', () => {
    assert.deepEqual(coerceParam({ type: 'integer' }, '12'), { value: 12 });
    assert.match(coerceParam({ type: 'integer' }, '1.5') as string, /whole number/);
    assert.deepEqual(coerceParam({ type: 'boolean' }, 'false'), { value: false });
    assert.match(coerceParam({ type: 'string', enum: ['a', 'b'] }, 'c') as string, /one of a, b/);
    const spec = loadSpec(sample);
    assert.deepEqual(resolveParams(spec, { n_estimators: '10' }), { samples: 4000, n_estimators: 10, max_depth: 8, seed: 42, shift: 1 });
    assert.throws(() => resolveParams(spec, { nope: 1 }), /Unknown parameter "nope"/);
  });

  it('the published JSON schema names exactly the fields the parser knows', () => {
    assert.deepEqual(Object.keys(schema.properties).sort(), [...TOP_KEYS].sort());
    assert.deepEqual(Object.keys(schema.definitions.resources.properties!).sort(), [...RESOURCE_KEYS].sort());
    assert.deepEqual(Object.keys(schema.definitions.mount.properties!).sort(), [...MOUNT_KEYS].sort());
    assert.deepEqual(Object.keys((schema.properties.validation as { properties: object }).properties).sort(), [...VALIDATION_KEYS].sort());
    assert.deepEqual(Object.keys(schema.definitions.parameter.oneOf![1].properties!).sort(), [...PARAM_KEYS].sort());
    assert.deepEqual(
      Object.keys((schema.properties.tensorboard as { properties: object }).properties).sort(),
      [...TENSORBOARD_KEYS].sort(),
    );
  });

  // A real JSON Schema validator, not a check of our own: ajv 8 (draft-07, the schema's $schema).
  // ajv is in node_modules as a dev dependency of the tooling (@secretlint/config-loader, table);
  // it is to be declared in package.json devDependencies so that this test does not rest on that.
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

  it('the published JSON schema is valid draft-07 and the sample validates against it', () => {
    assert.equal(validate(parse(sample)), true, JSON.stringify(validate.errors));
  });

  it('the published JSON schema and the parser agree on what is valid', () => {
    const docs = [
      MIN,
      MIN + 'kind: PyTorchJob\nworkers: 3\n',
      MIN + 'resources: { gpus: 2, cpu: "1.5", memory: 8Gi }\n',
      MIN + 'bogus: 1\n',
      MIN + 'resources: { memory: lots }\n',
      MIN + 'resources: { gpus: -1 }\n',
      MIN + 'kind: RayJob\n',
      MIN + 'parameters: { model: 1 }\n',
      MIN + 'env: { KUBEML_X: y }\n',
      MIN + 'datasets: [{ claim: d, path: relative }]\n',
      MIN + 'tensorboard: { logdir: /out/tb }\n',
      MIN + 'tensorboard: { logdir: "{{artifacts}}/tb" }\n',
      MIN + 'tensorboard: { logdir: relative/tb }\n',
      MIN + 'tensorboard: { path: /out }\n',
      MIN + 'tensorboard: /out\n',
      'name: Bad_Name\nimage: x\ncommand: [a]\n',
    ];
    for (const d of docs) {
      const bySchema = validate(parse(d));
      const byParser = parseSpec(d).problems.length === 0;
      assert.equal(
        bySchema,
        byParser,
        `${d}: the schema says ${bySchema ? 'valid' : JSON.stringify(validate.errors)}, the parser ${byParser ? 'valid' : 'invalid'}`,
      );
    }
  });
});
