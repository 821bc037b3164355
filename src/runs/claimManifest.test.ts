import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findClaimManifest } from './claimManifest';
import { missingClaimHint } from './launcher';

const SAMPLE = join(__dirname, '..', '..', 'samples');

describe('runs: a missing claim names the workspace file that defines it', () => {
  it("finds the sample workspace's cluster/artifacts.yaml for kubeml-artifacts (the path as the workspace has it)", () => {
    assert.equal(findClaimManifest(SAMPLE, 'kubeml-artifacts'), join('cluster', 'artifacts.yaml'));
    assert.equal(
      missingClaimHint(SAMPLE, ['kubeml-artifacts']),
      'Create it: kubectl apply -f cluster/artifacts.yaml (in this workspace), or change datasets/artifacts in kubeml.yaml.',
    );
  });

  it('does not take a PersistentVolume that only refers to the claim, and says what to create when no file defines it', () => {
    const ws = mkdtempSync(join(tmpdir(), 'kubeml-claims-'));
    try {
      mkdirSync(join(ws, 'k8s'));
      writeFileSync(
        join(ws, 'k8s', 'pv.yaml'),
        'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv1\nspec:\n  claimRef:\n    name: data\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: data\n',
      );
      assert.equal(findClaimManifest(ws, 'data'), undefined);
      assert.match(missingClaimHint(ws, ['data', 'models']), /^Create them \(a PersistentVolumeClaim with your storage class\)/);
      writeFileSync(join(ws, 'k8s', 'pvc.yaml'), 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec: {}\n');
      assert.equal(findClaimManifest(ws, 'data'), join('k8s', 'pvc.yaml'));
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});
