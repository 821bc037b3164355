import { strict as assert } from 'node:assert';
import { foldHardening } from './hardening';
import { lint } from './testUtil';

// The newcomer: a fifteen-line GPU Job as people first write it.
const NEWCOMER = `apiVersion: batch/v1
kind: Job
metadata:
  name: train
spec:
  template:
    spec:
      containers:
        - name: train
          image: pytorch/pytorch:latest
          command: ["python", "train.py"]
          resources:
            limits:
              nvidia.com/gpu: 1
      restartPolicy: Never
`;

const summary = (fs: { ruleId: string; severity: string }[]) => fs.map((f) => `${f.severity} ${f.ruleId}`);

describe('lint: hardening suggestions folded for a newcomer', () => {
  const findings = lint(NEWCOMER).map((h) => h.finding);

  it('folds the security, resources and Job clean-up suggestions of a fifteen-line Job into one information', () => {
    assert.equal(findings.length, 13, 'what the rules find on it, all shown with kubeml.lint.hardening: show');
    const { shown, folded } = foldHardening(findings, 'fold');
    assert.deepEqual(summary(shown), [
      'info hardening',
      'warning gpu-node-selector',
      'warning gpu-toleration',
      'warning shm-size',
      'warning latest-tag',
    ]);
    assert.equal(folded.length, 9);
    const hint = shown[0]!;
    assert.match(hint.message, /^9 hardening suggestions folded \(Job clean-up, security context, resource requests and limits: /);
    assert.match(
      hint.message,
      /job-backoff-limit, job-ttl, no-read-only-root-fs, privilege-escalation-container, run-as-non-root, unset-cpu-limit/,
    );
    assert.equal(hint.startPos.line + 1, 5, 'placed on the first folded finding (spec:)');
  });

  it('shows everything with show, and nothing of it (no summary either) with off', () => {
    assert.equal(foldHardening(findings, 'show').shown.length, 13);
    assert.deepEqual(summary(foldHardening(findings, 'off').shown), [
      'warning gpu-node-selector',
      'warning gpu-toleration',
      'warning shm-size',
      'warning latest-tag',
    ]);
  });

  it('never folds an error, and adds no summary when nothing is folded', () => {
    const privileged = lint(
      NEWCOMER.replace('          command:', '          securityContext: {privileged: true}\n          command:'),
    ).map((h) => h.finding);
    const { shown } = foldHardening(privileged, 'fold');
    assert.ok(shown.some((f) => f.ruleId === 'privileged-container' && f.severity === 'error'));
    const clean = findings.filter((f) => f.ruleId === 'gpu-toleration');
    assert.deepEqual(summary(foldHardening(clean, 'fold').shown), ['warning gpu-toleration']);
  });
});
