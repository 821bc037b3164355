import { strict as assert } from 'node:assert';
import { KubeMLError } from '../common/errors';
import { trackTimers, type FakeRequest } from '../cluster/read/fakeApiServer';
import { CLUSTER, imagenetClaim, scratchClaim, trainPod1, withStatus } from '../cluster/read/fixtures';
import { DatasetsModel } from './datasetsModel';
import { JobsModel } from './jobsModel';
import { CONNECTED, ModelHarness, settle } from './modelHarness';
import { errorRow, RETRY_COMMAND, type TreeModel } from './model';

const PVCS = (r: FakeRequest) => r.path.endsWith('/persistentvolumeclaims');

/** Waits (change by change) until the model shows what `ok` looks for. */
async function until<M extends TreeModel>(h: ModelHarness<M>, ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 50 && !ok(); i++) await Promise.race([h.next(), settle(50)]);
  assert.ok(ok(), what);
}

describe('TreeModel (the model behind every explorer view)', () => {
  let h: ModelHarness<TreeModel>;
  afterEach(() => h.dispose());

  it('not connected: no request, no row, no empty message; connecting (reset) lists and refreshes the whole tree', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER, state: { kind: 'none', message: 'No kubeconfig.' } });
    h.model.setVisible(true);
    await settle();
    assert.deepEqual(h.api.requests, []);
    assert.deepEqual(h.model.roots(), []);
    assert.equal(h.model.emptyMessage(), undefined);
    h.connection.state = CONNECTED;
    const next = h.next();
    h.model.reset();
    assert.equal(await next, undefined);
    await h.model.whenSynced();
    assert.equal(h.tree()[0], 'Running | 1');
  });

  it('while hidden it fires nothing; shown again it catches up with one whole-tree refresh', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    h.model.setVisible(false);
    const fired = h.fired.length;
    h.api.delete(trainPod1);
    h.model.setFilter('train');
    await settle(30);
    assert.equal(h.fired.length, fired, 'a hidden view is not refreshed');
    h.model.setVisible(true);
    assert.deepEqual(h.fired.slice(fired), [undefined]);
    await h.model.whenSynced();
    await until(h, () => !h.tree().some((l) => l.includes('train-resnet-1')), 'the deleted pod is gone once the view is shown');
    assert.ok(h.tree().includes('    train-resnet-0-x7k2p | rank 0 · Running · gpu-a100-0 · 1 GPU · 30m'));
    assert.ok(h.tree().includes('Pending | 0'), 'the filter set while hidden applies');
  });

  it('a kind it may not list shows one error row with a Retry command, above the rows it can show', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: CLUSTER });
    h.api.fail(
      PVCS,
      {
        status: 403,
        body: {
          kind: 'Status',
          status: 'Failure',
          reason: 'Forbidden',
          code: 403,
          message:
            'persistentvolumeclaims is forbidden: User "dev" cannot list resource "persistentvolumeclaims" in API group "" in the namespace "team"',
        },
      },
      1000,
    );
    h.model.setVisible(true);
    await until(h, () => h.model.roots()[0]?.id === 'error:pvcs', 'an error row for the claims');
    const row = h.model.roots()[0]!.row;
    assert.equal(row.label, 'Cannot list persistent volume claims');
    assert.match(row.description!, /cannot list resource "persistentvolumeclaims".*Ask for RBAC access/);
    assert.deepEqual([row.icon?.id, row.contextValue, row.command?.id], ['lock', 'kubeml.error.forbidden', RETRY_COMMAND]);
    await until(h, () => h.model.roots().some((r) => r.row.label === 'coco'), 'the Fluid dataset still shows');
    assert.equal(h.model.emptyMessage(), undefined, 'no empty message while a kind is not synced');
  });

  it('error rows say which kind of failure it is', () => {
    assert.equal(errorRow('jobs', new KubeMLError('unauthorized', 'x')).icon?.id, 'key');
    assert.equal(errorRow('jobs', new KubeMLError('unreachable', 'x')).icon?.id, 'debug-disconnect');
    assert.equal(
      errorRow('jobs', new KubeMLError('unreachable', 'The cluster refused.', 'Check it.')).description,
      'The cluster refused. Check it.',
    );
  });

  it('the empty message names the namespaces shown (suggesting to widen only when some are left out), or says the filter matches nothing', async () => {
    // "Select Namespaces widens the view" only when some namespaces are left out, not when all are shown.
    const text = (where: string) =>
      `No data set in ${where}. This view lists PersistentVolumeClaims (those labelled kubeml.io/dataset first) and Fluid Datasets.${where === 'any namespace' ? '' : ' Select Namespaces widens the view.'}`;
    for (const [namespaces, where] of [
      [['team'], 'namespace team'],
      [['a', 'b'], 'namespaces a, b'],
      [undefined, 'any namespace'],
    ] as const) {
      h = new ModelHarness((d) => new DatasetsModel(d), { namespaces: namespaces as string[] | undefined });
      h.model.setVisible(true);
      assert.equal(h.model.emptyMessage(), undefined, 'nothing is said while listing');
      await h.model.whenSynced();
      await settle();
      assert.equal(h.model.emptyMessage(), text(where));
      h.dispose();
    }
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: [imagenetClaim, scratchClaim] });
    await h.open();
    assert.equal(h.model.emptyMessage(), undefined, 'rows: no message');
    h.model.setFilter('zzz');
    assert.equal(h.model.emptyMessage(), 'Nothing here matches the filter "zzz".');
  });

  it('says nothing while discovery runs or a kind is still listing, though the other kinds are listed', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d));
    const discovery = h.api.hold((r) => r.path === '/apis');
    h.model.setVisible(true);
    await Promise.all(h.registry.caches.map((c) => c.whenSynced()));
    assert.ok(h.model.hasKind('pvcs'));
    assert.equal(h.model.emptyMessage(), undefined, 'Fluid datasets may yet be served: not "empty" before discovery answered');
    const fluid = h.api.hold((r) => r.path.includes('/datasets') && !r.watch);
    discovery();
    await h.api.seen((r) => r.path.includes('/datasets'));
    await settle();
    assert.ok(h.model.hasKind('fluidDatasets'));
    assert.equal(h.model.emptyMessage(), undefined, 'not "empty" while the datasets are listing');
    fluid();
    await h.model.whenSynced();
    assert.match(h.model.emptyMessage() ?? '', /^No data set in namespace team\./);
  });

  it('reset (new context or namespaces) refreshes the whole tree at once and lists the new scope', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), {
      objects: [
        imagenetClaim,
        { ...structuredClone(scratchClaim), metadata: { ...structuredClone(scratchClaim.metadata), namespace: 'other' } },
      ],
    });
    await h.open();
    assert.deepEqual(
      h.model.roots().map((r) => r.id),
      ['pvcs:team/imagenet'],
    );
    const fired = h.fired.length;
    h.connection.namespaces = ['other'];
    h.model.reset();
    assert.deepEqual(h.fired.slice(fired), [undefined]);
    await h.model.whenSynced();
    await until(h, () => h.model.roots().length === 1 && h.model.roots()[0]!.id === 'pvcs:other/scratch', 'the other namespace is shown');
  });

  it('leases only the custom kinds the server serves', async () => {
    h = new ModelHarness((d) => new DatasetsModel(d), { objects: [imagenetClaim], served: [] });
    await h.open();
    assert.equal(h.model.hasKind('pvcs'), true);
    assert.equal(h.model.hasKind('fluidDatasets'), false);
    assert.ok(!h.api.requests.some((r) => r.path.includes('data.fluid.io/v1alpha1/')), 'no list of an unserved kind');
    assert.deepEqual(h.tree(), ['imagenet | 150Gi · Bound · ROX · efs-sc · 11d']);
  });

  it('dispose lets go of the caches: with the registry disposed no watch and no timer is left', async () => {
    const timers = trackTimers();
    try {
      h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
      await h.open();
      h.tree();
      await h.change((api) => api.put(withStatus(trainPod1, { qosClass: 'Guaranteed' })));
      assert.ok(h.api.openWatches().length >= 2);
      h.dispose();
      await settle();
      assert.deepEqual(h.api.openWatches(), []);
      assert.deepEqual(timers.pending(), []);
    } finally {
      timers.stop();
    }
  });
});
