/**
 * Drift reports from files: a stored report, two local files, two files in the cluster (in a pod,
 * or on a claim through a short-lived pod). Plain Node: the commands hand in the settings' values.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { promises as fs } from 'node:fs';
import type { KubeClient } from '../cluster/client';
import { KubeMLError } from '../common/errors';
import { driftReportProblem, isDriftReport } from '../model/driftContract';
import type { DriftReport, DriftThresholds } from '../model/driftReport';
import { driftReport } from './parallel';
import { readTableFile } from './readers';
import { readClaimTables, readClusterTable, type ClusterFile } from './remote';
import type { Table } from './table';

export async function loadReportFile(path: string): Promise<DriftReport> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new KubeMLError(
      'not-found',
      `No drift report at ${path}.`,
      'Run a validation with drift enabled, or open two data files.',
      undefined,
      { cause: e },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new KubeMLError('invalid', `${path} is not valid JSON.`, 'The run may still be writing it; try again.', undefined, { cause: e });
  }
  if (!isDriftReport(json))
    throw new KubeMLError('invalid', `${path} is not a KubeML drift report (version 1): ${driftReportProblem(json)}.`);
  return json;
}

export async function compareFiles(reference: string, current: string, thresholds: Partial<DriftThresholds> = {}): Promise<DriftReport> {
  const [ref, cur] = await Promise.all([readTableFile(reference), readTableFile(current)]);
  return driftReport(ref, cur, { thresholds });
}

/** Where the connection comes from (the cluster connection of the extension). */
export interface ClusterAccess {
  readonly client: KubeClient | undefined;
  readonly kubeConfig: KubeConfig | undefined;
}

/** Two files in the cluster: in one pod, or on one claim (read through one short-lived pod). */
export type ClusterPair =
  | { readonly pod: { namespace: string; name: string; container?: string }; readonly reference: string; readonly current: string }
  | { readonly claim: { namespace: string; name: string }; readonly reference: string; readonly current: string };

/** Arguments for scripts and tests: `{ cluster: ClusterPair }` or `{ prometheus: { query?, model?, rangeSeconds? } }`. */
export interface DriftSourceArg {
  readonly cluster?: ClusterPair;
  readonly prometheus?: { readonly query?: string; readonly model?: string; readonly rangeSeconds?: number };
}

export async function compareClusterFiles(
  kc: KubeConfig,
  client: KubeClient,
  pair: ClusterPair,
  opts: { onProgress?: (m: string) => void; signal?: AbortSignal; thresholds?: Partial<DriftThresholds>; browseImage?: string } = {},
): Promise<DriftReport> {
  const { onProgress, signal, thresholds = {}, browseImage: image } = opts;
  let tables: Table[];
  if ('pod' in pair) {
    const file = (path: string): ClusterFile => ({ pod: pair.pod, path });
    tables = [];
    for (const p of [pair.reference, pair.current]) {
      onProgress?.(`reading ${p}`);
      tables.push(await readClusterTable(kc, client, file(p), { signal }));
    }
  } else {
    tables = await readClaimTables(kc, client, pair.claim, [pair.reference, pair.current], { browseImage: image, onProgress, signal });
  }
  onProgress?.('computing drift');
  return driftReport(tables[0], tables[1], { thresholds });
}
