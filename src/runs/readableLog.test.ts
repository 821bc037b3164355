import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readableLog } from './readableLog';

// Result lines as the sample's own helper (samples/kubeml_results.py) prints them in a pod.
const SAMPLES = join(__dirname, '..', '..', 'samples');
const printed = execFileSync(
  'python3',
  [
    '-c',
    [
      'import kubeml_results as k',
      "print('training a random forest')",
      "k.metric('accuracy', 0.9125, step=3, split='val')",
      "k.artifact('/artifacts/r1/model.pkl', name='model')",
      "print('done')",
    ].join('\n'),
  ],
  { cwd: SAMPLES, encoding: 'utf8' },
);

describe('runs: the readable run log', () => {
  it('turns KUBEML_RESULT lines into readable lines and keeps the rest as the pod wrote it', () => {
    const text = readableLog({ id: 'forest-train-1', purpose: 'train', phase: 'succeeded', pods: ['p'] }, printed);
    const lines = text.split('\n');
    assert.equal(lines[0], '# Run forest-train-1 (training): succeeded');
    assert.ok(lines.includes('training a random forest'));
    assert.ok(lines.includes('▸ result: metric val/accuracy = 0.9125 (step 3)'), text);
    assert.ok(lines.includes('▸ result: artifact model at /artifacts/r1/model.pkl'), text);
    assert.ok(!text.includes('KUBEML_RESULT {'), 'no raw JSON result line is left');
  });

  it('keeps a pod prefix and says which result line could not be read', () => {
    const text = readableLog(
      { id: 'r', purpose: 'train', phase: 'running' },
      '[pod-0] KUBEML_RESULT {"type":"metric","name":"loss","value":0.5}\nKUBEML_RESULT {oops',
    );
    assert.match(text, /^\[pod-0\] ▸ result: metric loss = 0\.5$/m);
    assert.match(text, /^▸ unreadable result \(line 2\): A KUBEML_RESULT line is not valid JSON/m);
  });

  it('a run that failed before its pod started says why instead of showing nothing', () => {
    const text = readableLog(
      {
        id: 'r',
        purpose: 'train',
        phase: 'failed',
        failure: {
          reason: 'config',
          message: 'The claim kubeml-artifacts does not exist in namespace default.',
          hint: 'Create it: kubectl apply -f cluster/artifacts.yaml',
        },
      },
      '',
    );
    assert.match(text, /^# The claim kubeml-artifacts does not exist in namespace default\.$/m);
    assert.match(text, /^# Create it: kubectl apply -f cluster\/artifacts\.yaml$/m);
    assert.match(text, /no output: the run failed before its pod started/);
  });
});
