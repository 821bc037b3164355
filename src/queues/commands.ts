/**
 * The queues feature's editor skin: the Queues view (Kueue's ClusterQueues, their quota and usage, pending
 * and admitted workloads, and the LocalQueues of the selected namespaces). Built on first use like the
 * other features (src/lazy).
 */
import type { ClusterConnection } from '../cluster/connection';
import { Disposable } from '../common/lifecycle';
import type { Logger } from '../common/logging';
import { QueuesView, type QueuesViewHandle } from './views';

export class QueuesFeature extends Disposable {
  /** The Queues view (kubeml.queues). */
  readonly view: QueuesView;

  constructor(connection: ClusterConnection, log: Logger, handle?: QueuesViewHandle) {
    super();
    this.view = this._register(new QueuesView(connection, log, handle));
  }
}
