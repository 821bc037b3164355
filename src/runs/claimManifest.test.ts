import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { claimPlan, findClaimManifest, storageObjects } from './claimManifest';
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

describe('runs: Create Missing Claim applies what the manifest holds, checked', () => {
  const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as unknown);

  it("shows the sample's whole cluster/artifacts.yaml (the claim and its volume) and applies both, volume first", () => {
    const plan = claimPlan(SAMPLE, 'kubeml-artifacts', 'default');
    assert.equal(plan.file, join('cluster', 'artifacts.yaml'));
    const objects = storageObjects(docs(plan.text), 'default');
    assert.deepEqual(
      objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`),
      ['PersistentVolume -/kubeml-artifacts-default', 'PersistentVolumeClaim default/kubeml-artifacts'],
    );
  });

  it('refuses the sample file for another namespace, naming both (its volume is bound to the claim in default)', () => {
    const plan = claimPlan(SAMPLE, 'kubeml-artifacts', 'team-a');
    assert.throws(
      () => storageObjects(docs(plan.text), 'team-a'),
      /puts the claim kubeml-artifacts in namespace default, but the run is in team-a/,
    );
  });

  it('writes a claim for the run namespace when no workspace file defines one, and places an unnamespaced claim there', () => {
    const ws = mkdtempSync(join(tmpdir(), 'kubeml-claims-'));
    try {
      const plan = claimPlan(ws, 'data', 'team-a');
      assert.equal(plan.file, undefined);
      const [claim] = storageObjects(docs(plan.text), 'team-a');
      assert.deepEqual(claim, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: 'team-a' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      });
      assert.equal(
        storageObjects(docs('apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: x}\n'), 'ns')[0]!.metadata.namespace,
        'ns',
      );
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('refuses anything but claims and volumes, a manifest without a claim, and a nameless object', () => {
    assert.throws(
      () =>
        storageObjects(
          docs(
            'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n',
          ),
          'ns',
        ),
      /only PersistentVolumeClaims and PersistentVolumes \(v1\); the manifest also holds Job j/,
    );
    assert.throws(
      () => storageObjects(docs('apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\n'), 'ns'),
      /holds no PersistentVolumeClaim/,
    );
    assert.throws(() => storageObjects(docs('apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {}\n'), 'ns'), /has no metadata.name/);
  });
});
