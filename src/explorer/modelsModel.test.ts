import { strict as assert } from 'node:assert';
import { CLUSTER, failingIsvc, isvcPod, llmDeployment, llmPod, sklearnIsvc, trainPod0, withStatus } from '../cluster/read/fixtures';
import { type KubeObject } from '../cluster/read/informerState';
import { ModelsModel } from './modelsModel';
import { ids, ModelHarness } from './modelHarness';

const OOM = 'Revision "llama-chat-predictor-00001" failed with message: Container failed with: OOMKilled.';
const TREE = [
  'llama-chat | Not ready (RevisionFailed) · huggingface · 15m',
  `  LatestDeploymentReady | False · RevisionFailed · ${OOM}`,
  `  PredictorReady | False · RevisionFailed · ${OOM}`,
  `  Ready | False · RevisionFailed · ${OOM}`,
  '  storageUri | hf://meta-llama/Llama-3.1-8B-Instruct',
  '  Revisions | ready - · created llama-chat-predictor-00001',
  '  Last failure | ModelLoadFailed: Container failed with: OOMKilled',
  'sklearn-iris | Ready · sklearn · canary 10% · http://sklearn-iris.team.example.com · 60m',
  '  IngressReady | True',
  '  LatestDeploymentReady | True',
  '  PredictorConfigurationReady | True',
  '  PredictorReady | True',
  '  PredictorRouteReady | True',
  '  Ready | True',
  '  RoutesReady | True',
  '  storageUri | gs://kfserving-examples/models/sklearn/1.0/model',
  '  Revisions | ready sklearn-iris-predictor-00002 · created sklearn-iris-predictor-00002',
  'llm-server | Deployment · 1/2 ready · llama-3-8b · 2d',
  '  llm-server-6d5f8b7c9d-abcde | Running · gpu-h100-0 · 1 GPU · 60m',
];

describe('ModelsModel', () => {
  let h: ModelHarness<ModelsModel>;
  afterEach(() => h.dispose());

  it('lists InferenceServices with their conditions, storage, revisions and last failure, then model Deployments with their pods', async () => {
    h = new ModelHarness((d) => new ModelsModel(d), { objects: CLUSTER });
    await h.open();
    assert.deepEqual(h.tree(), TREE);
  });

  it('gives commands the URL and storageUri of a service and the model of a Deployment, and finds their pods', async () => {
    h = new ModelHarness((d) => new ModelsModel(d), { objects: CLUSTER });
    await h.open();
    const [llama, iris, llm] = h.model.roots();
    assert.deepEqual(iris!.data, {
      url: 'http://sklearn-iris.team.example.com',
      storageUri: 'gs://kfserving-examples/models/sklearn/1.0/model',
    });
    assert.deepEqual([iris!.row.contextValue, llama!.row.contextValue], ['kubeml.model.isvc.url', 'kubeml.model.isvc']);
    assert.deepEqual(llm!.data, { model: 'llama-3-8b' });
    assert.deepEqual(
      h.model.podsOf('inferenceServices', 'team', 'sklearn-iris').map((p) => p.metadata.name),
      [isvcPod.metadata.name],
    );
    assert.deepEqual(
      h.model.podsOf('deployments', 'team', 'llm-server').map((p) => p.metadata.name),
      [llmPod.metadata.name],
    );
  });

  it('shows the canary split by Knative revision name in the tooltip', async () => {
    h = new ModelHarness((d) => new ModelsModel(d), { objects: CLUSTER });
    await h.open();
    const tooltip = h.root('sklearn-iris').row.tooltip!;
    assert.match(tooltip, /\| Traffic \| 10% → sklearn\\-iris\\-predictor\\-00002 \(latest\) \|/);
    assert.match(tooltip, /\| Traffic \| 90% → sklearn\\-iris\\-predictor\\-00001 \|/);
  });

  it('a service that becomes ready refreshes its own row, and the URL commands read', async () => {
    h = new ModelHarness((d) => new ModelsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const readyNow = withStatus(failingIsvc, {
      url: 'http://llama-chat.team.example.com',
      conditions: ['IngressReady', 'PredictorReady', 'Ready'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: '2025-06-01T11:58:00Z',
      })),
      modelStatus: { states: { activeModelState: 'Loaded', targetModelState: 'Loaded' }, transitionStatus: 'UpToDate' },
    });
    const fired = await h.change((api) => api.put(readyNow));
    assert.deepEqual(ids(fired), ['inferenceServices:team/llama-chat']);
    const n = fired![0]!;
    assert.equal(n.row.description, 'Ready · huggingface · http://llama-chat.team.example.com · 15m');
    assert.equal((n.data as { url?: string }).url, 'http://llama-chat.team.example.com');
  });

  it('a Deployment’s pod or status changing refreshes that Deployment only', async () => {
    h = new ModelHarness((d) => new ModelsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    assert.deepEqual(await h.quiet('pods', (api) => api.put(withStatus(trainPod0, { qosClass: 'Guaranteed' }))), [], 'not a model’s pod');
    let fired = await h.change((api) => api.put(withStatus(llmPod, { qosClass: 'Guaranteed' })));
    assert.deepEqual(ids(fired), ['deployments:team/llm-server']);
    fired = await h.change((api) => api.delete(llmPod));
    assert.deepEqual(ids(fired), ['deployments:team/llm-server'], 'a pod that goes away');
    assert.deepEqual(h.model.children(fired![0]), []);
    fired = await h.change((api) => api.put(withStatus(llmDeployment, { readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 0 })));
    assert.deepEqual(ids(fired), ['deployments:team/llm-server']);
    assert.equal(fired![0]!.row.description, 'Deployment · 2/2 ready · llama-3-8b · 2d');
  });

  it('a Deployment that loses its model label, or a service added or deleted, refreshes the whole list', async () => {
    h = new ModelHarness((d) => new ModelsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const unlabelled: KubeObject = {
      ...structuredClone(llmDeployment),
      metadata: { ...structuredClone(llmDeployment.metadata), labels: { app: 'llm-server' } },
    };
    assert.equal(await h.change((api) => api.put(unlabelled)), undefined);
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['llama-chat', 'sklearn-iris'],
    );
    assert.equal(await h.change((api) => api.delete(sklearnIsvc)), undefined);
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['llama-chat'],
    );
  });

  it('filters by name', async () => {
    h = new ModelHarness((d) => new ModelsModel(d), { objects: CLUSTER });
    await h.open();
    h.model.setFilter('ll');
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['llama-chat', 'llm-server'],
    );
    h.model.setFilter('chat');
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['llama-chat'],
    );
    h.model.setFilter('server');
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['llm-server'],
    );
  });

  it('without KServe it lists Deployments and its empty message says KServe is not installed', async () => {
    h = new ModelHarness((d) => new ModelsModel(d), {
      objects: CLUSTER.filter((o) => o.kind !== 'InferenceService'),
      served: ['fluidDatasets'],
    });
    await h.open();
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['llm-server'],
    );
    h.dispose();
    h = new ModelHarness((d) => new ModelsModel(d), { served: [] });
    await h.open();
    assert.equal(
      h.model.emptyMessage(),
      'No model is served in namespace team. This view lists KServe InferenceServices (KServe is not installed in this cluster) and Deployments labelled kubeml.io/model. Select Namespaces widens the view.',
    );
  });
});
