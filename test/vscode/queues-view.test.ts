// The Queues view (kubeml.queues) in a real VS Code: after Runs in the side bar; showing it loads the queues
// feature; on the local cluster (Kueue v0.17.0, scripts/cluster/kueue-objects.yaml) it shows ClusterQueues
// team-a and team-b with their GPU quota first, and the LocalQueues of the namespace.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, Views } from '../../src/constants';
import type { KubeMLApi } from '../../src/extensionMain';
import type { QueuesNode, QueuesView } from '../../src/queues/views';
import { until } from '../support/wait';

describe('KubeML Queues view in VS Code', function () {
  this.timeout(120_000);
  let api: KubeMLApi;
  let view: QueuesView;

  before(async () => {
    const ext = vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    await api.ready;
  });

  const rows = (node?: QueuesNode) => view.getChildren(node).map((n) => ({ node: n, item: view.getTreeItem(n) }));

  it('is in the KubeML side bar after Runs, and showing it loads the queues feature', async () => {
    const ids = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.views.kubeml as Array<{ id: string }>).map(
      (v) => v.id,
    );
    assert.equal(ids[ids.indexOf(Views.runs) + 1], Views.queues);
    await vscode.commands.executeCommand('workbench.view.extension.kubeml');
    await vscode.commands.executeCommand(`${Views.queues}.focus`);
    view = api.queues.view;
    await until('the Queues view visible', 10_000, () => view.view.visible);
  });

  it("shows the local cluster's ClusterQueues with GPUs first, and the LocalQueues (skipped without a connected cluster with Kueue)", async function () {
    if (api.connection.state.kind !== 'connected') this.skip();
    const served = await api.connection.client!.raw('/apis/kueue.x-k8s.io/v1beta1', { what: 'probe Kueue' }).catch(() => undefined);
    if (!served?.ok) this.skip();
    const top = await until('the ClusterQueue rows', 60_000, () => {
      const r = rows();
      return r.some((x) => x.item.label === 'team-a') && r.some((x) => x.item.label === 'team-b') ? r : undefined;
    });
    const teamA = top.find((x) => x.item.label === 'team-a')!;
    assert.match(String(teamA.item.description), /cohort kubeml$/);
    assert.equal(teamA.item.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    const children = rows(teamA.node).map((x) => String(x.item.label));
    // kueue-objects.yaml: the GPU flavors (h100, a100, l4, kubeml-node) before cpu and memory.
    assert.deepEqual(
      children.filter((l) => l.includes(' · ')).map((l) => l.split(' · ')[0]),
      ['nvidia.com/gpu', 'nvidia.com/gpu', 'nvidia.com/gpu', 'nvidia.com/gpu', 'cpu', 'memory'],
    );
    assert.ok(children.includes('Admitted (0)') || children.some((l) => /^Admitted \(\d+\)$/.test(l)), children.join('\n'));
    const lqs = top.find((x) => String(x.item.label).startsWith('LocalQueues'))!;
    const ns = api.connection.namespacesToList();
    const names = rows(lqs.node).map((x) => String(x.item.label));
    if (ns?.length === 1 && (ns[0] === 'default' || ns[0] === 'kubeml-demo')) assert.deepEqual(names, ['team-a', 'team-b']);
    assert.equal((teamA.item.iconPath as vscode.ThemeIcon).id, 'layers');
  });
});
