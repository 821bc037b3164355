import { strict as assert } from 'node:assert';
import { CLUSTER, cocoDataset, cocoReaderPod, evalPod, imagenetClaim, llmPod, scratchClaim, withStatus } from '../cluster/read/fixtures';
import { type KubeObject } from '../cluster/read/informerState';
import { DatasetsModel } from './datasetsModel';
import { ids, ModelHarness } from './modelHarness';

const TREE = [
  'imagenet | 150Gi · Bound · ROX · efs-sc · 5 using · 11d',
  '  eval-resnet | Job · 1 GPU · 1/1 · took 12m',
  '  train-resnet | Job · 2 GPU · 0/2 · running 30m',
  '  eval-resnet-h3n8v | Succeeded · gpu-a100-0 · 1 GPU · 2h',
  '  train-resnet-0-x7k2p | rank 0 · Running · gpu-a100-0 · 1 GPU · 30m',
  '  train-resnet-1-q9m4w | rank 1 · CrashLoopBackOff · gpu-a100-0 · 3 restarts · 1 GPU · 30m',
  'coco | Fluid · 19.26GiB · Bound · ROX · alluxio · 1 using · 3d',
  '  notebook-0-c0c0a | Running · cpu-0 · 60m',
  'scratch | 10Gi · Pending · RWO · gp3 · 10m',
];

/** A pod of the notebook kind that mounts a claim. */
function mounting(name: string, claim: string): KubeObject {
  const p = structuredClone(cocoReaderPod);
  p.metadata.name = name;
  p.metadata.uid = `uid-${name}`;
  const spec = p.spec as { volumes: Array<Record<string, unknown>> };
  spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: claim } }, ...spec.volumes.slice(1)];
  return p;
}

describe('DatasetsModel', () => {
  let h: ModelHarness<DatasetsModel>;
  afterEach(() => h.dispose());

  it('lists labelled claims first, then Fluid datasets, then other claims, each with the pods and jobs that mount it', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: CLUSTER });
    await h.open();
    assert.deepEqual(h.tree(), TREE);
    const [imagenet, coco, scratch] = h.model.roots();
    assert.deepEqual(
      [imagenet!.kindId, imagenet!.namespace, imagenet!.name, imagenet!.data],
      ['pvcs', 'team', 'imagenet', { claim: 'imagenet' }],
    );
    assert.deepEqual(
      [imagenet!.row.contextValue, coco!.row.contextValue, scratch!.row.contextValue],
      ['kubeml.dataset.pvc.labelled', 'kubeml.dataset.fluid', 'kubeml.dataset.pvc'],
    );
    assert.equal(scratch!.row.collapsible, 'none', 'nothing mounts it');
    const job = h.model.children(imagenet).find((n) => n.name === 'train-resnet')!;
    assert.deepEqual([job.kindId, job.data], ['jobs', { ref: 'jobs:team/train-resnet' }]);
  });

  it('a pod that starts mounting a claim refreshes that claim only, which now counts it', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const fired = await h.change((api) => {
      api.put(withStatus(llmPod, { qosClass: 'Burstable' })); // mounts no claim
      api.put(mounting('prep-0-s1s2s', 'scratch'));
    });
    assert.deepEqual(ids(fired), ['pvcs:team/scratch']);
    assert.deepEqual([fired![0]!.row.description, fired![0]!.row.collapsible], ['10Gi · Pending · RWO · gp3 · 1 using · 10m', 'collapsed']);
  });

  it('a pod that goes away refreshes the claims it mounted', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const fired = await h.change((api) => api.delete(evalPod));
    assert.deepEqual(ids(fired), ['pvcs:team/imagenet']);
    assert.equal(fired![0]!.row.description, '150Gi · Bound · ROX · efs-sc · 4 using · 11d');
  });

  it('a claim or dataset whose status changes refreshes its own row', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    let fired = await h.change((api) =>
      api.put(withStatus(scratchClaim, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } })),
    );
    assert.deepEqual(ids(fired), ['pvcs:team/scratch']);
    assert.equal(fired![0]!.row.description, '10Gi · Bound · RWO · gp3 · 10m');
    fired = await h.change((api) => api.put(withStatus(cocoDataset, { phase: 'NotBound' })));
    assert.deepEqual(ids(fired), ['fluidDatasets:team/coco']);
    assert.equal(fired![0]!.row.description, 'Fluid · 19.26GiB · NotBound · ROX · alluxio · 1 using · 3d');
    assert.equal(fired![0]!.row.icon?.id, 'warning');
  });

  it('a claim added or deleted refreshes the whole list', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const more: KubeObject = {
      ...structuredClone(imagenetClaim),
      metadata: { ...structuredClone(imagenetClaim.metadata), name: 'laion', uid: 'uid-laion' },
    };
    assert.equal(await h.change((api) => api.put(more)), undefined);
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['imagenet', 'laion', 'coco', 'scratch'],
    );
    assert.equal(await h.change((api) => api.delete(scratchClaim)), undefined);
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['imagenet', 'laion', 'coco'],
    );
  });

  it('filters claims and datasets by name', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: CLUSTER });
    await h.open();
    h.model.setFilter('CO');
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['coco'],
    );
    h.model.setFilter('net');
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['imagenet'],
    );
  });

  it('does not count a batch Job another controller owns (its pods count)', async () => {
    const owned = structuredClone(CLUSTER.find((o) => o.metadata.name === 'train-resnet')!);
    owned.metadata = {
      ...owned.metadata,
      name: 'tj-node-0',
      uid: 'uid-tj-node-0',
      ownerReferences: [{ apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', name: 'tj', uid: 'uid-tj', controller: true }],
    };
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: [...CLUSTER, owned] });
    await h.open();
    assert.equal(h.model.roots()[0]!.row.description, '150Gi · Bound · ROX · efs-sc · 5 using · 11d');
  });

  it('without Fluid in the cluster it lists the claims only', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), {
      objects: CLUSTER.filter((o) => o.kind !== 'Dataset'),
      served: ['trainJobs', 'pytorchJobs', 'rayJobs'],
    });
    await h.open();
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['imagenet', 'scratch'],
    );
  });

  it('names the namespace of each claim when several namespaces are shown', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: CLUSTER, namespaces: ['team', 'other'] });
    await h.open();
    assert.equal(h.model.roots()[0]!.row.description, 'team · 150Gi · Bound · ROX · efs-sc · 5 using · 11d');
    assert.equal(h.model.roots()[1]!.row.description, 'team · Fluid · 19.26GiB · Bound · ROX · alluxio · 1 using · 3d');
  });
});
