/**
 * Create Claim: a run that failed because a PersistentVolumeClaim it needs does not exist offers to
 * create it. The manifest is shown first (the workspace file that defines the claim, such as the
 * sample's cluster/artifacts.yaml, else a claim written for the run's namespace in an untitled
 * editor), the user confirms, and what the editor then holds (edits included) is applied with
 * server-side apply. Only claims and volumes are applied; anything else in the text is refused.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseAllDocuments } from 'yaml';
import type { KubeClient } from '../cluster/client';
import { applyStorageObject } from '../cluster/write/objects';
import { KubeMLError, messageOf } from '../common/errors';
import type { RunRecord } from '../model/runRecords';
import { claimPlan, storageObjects } from './claimManifest';

export interface CreateClaimOptions {
  /** Apply without the confirmation (tests; the manifest is still opened). */
  readonly confirm?: boolean;
}

/** The claims a failed run reported missing; empty for any other run. */
export function missingClaimsOf(r: RunRecord): string[] {
  return r.phase === 'failed' && r.failure?.reason === 'config' ? [...(r.failure.missingClaims ?? [])] : [];
}

/**
 * Shows the manifest of each missing claim, asks, and applies it. Resolves with the names applied
 * (empty when the user declined); throws a KubeMLError that says what the API server refused.
 */
export async function createMissingClaims(
  client: KubeClient,
  folder: string,
  r: RunRecord,
  opts: CreateClaimOptions = {},
): Promise<string[]> {
  const claims = missingClaimsOf(r);
  if (!claims.length)
    throw new KubeMLError('invalid', vscode.l10n.t('Run {0} did not fail for a missing claim: there is nothing to create.', r.id));
  return createClaims(client, folder, { namespace: r.namespace, claims }, opts);
}

/** Claims a pending job waits for (Why Is It Pending?): the same manifest, question and apply as for a failed run. */
export interface ClaimRequest {
  readonly namespace: string;
  readonly claims: readonly string[];
}

export function isClaimRequest(a: unknown): a is ClaimRequest {
  const o = a as Partial<ClaimRequest> | null | undefined;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.namespace === 'string' &&
    Array.isArray(o.claims) &&
    o.claims.every((c) => typeof c === 'string')
  );
}

/** Shows each claim's manifest, asks, and applies it; resolves with the names applied. */
export async function createClaims(
  client: KubeClient,
  folder: string,
  req: ClaimRequest,
  opts: CreateClaimOptions = {},
): Promise<string[]> {
  const r = { namespace: req.namespace };
  const claims = req.claims;
  const applied: string[] = [];
  const shown = new Set<string>();
  for (const claim of claims) {
    const plan = claimPlan(folder, claim, r.namespace);
    // One file can define several missing claims: show and apply it once.
    if (plan.file && shown.has(plan.file)) continue;
    if (plan.file) shown.add(plan.file);
    const doc = plan.file
      ? await vscode.workspace.openTextDocument(vscode.Uri.file(join(folder, plan.file)))
      : await vscode.workspace.openTextDocument({ language: 'yaml', content: plan.text });
    await vscode.window.showTextDocument(doc, { preview: false });
    if (opts.confirm !== false) {
      const create = vscode.l10n.t('Create');
      const from = plan.file
        ? vscode.l10n.t('from {0} (shown in the editor)', plan.file)
        : vscode.l10n.t('as shown in the editor (edit it first if needed)');
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Create the claim {0} in namespace {1} {2}?', claim, r.namespace, from),
        {
          modal: true,
          detail: vscode.l10n.t('KubeML applies the PersistentVolumeClaims and PersistentVolumes of that manifest (server-side apply).'),
        },
        create,
      );
      if (choice !== create) return applied;
    }
    const parsed = parseAllDocuments(doc.getText());
    const bad = parsed.find((d) => d.errors.length);
    if (bad)
      throw new KubeMLError(
        'invalid',
        vscode.l10n.t('The claim manifest is not valid YAML: {0}', bad.errors[0]!.message),
        vscode.l10n.t('Fix it in the editor, then choose Create Claim again.'),
      );
    let objects;
    try {
      objects = storageObjects(
        parsed.map((d) => d.toJS() as unknown),
        r.namespace,
      );
    } catch (e) {
      throw new KubeMLError('invalid', messageOf(e), vscode.l10n.t('Fix it in the editor, then choose Create Claim again.'));
    }
    // Volumes first, so that a claim naming its volume binds at once.
    for (const o of [...objects].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'PersistentVolume' ? -1 : 1))) {
      await applyStorageObject(client, o);
      if (o.kind === 'PersistentVolumeClaim') applied.push(o.metadata.name);
    }
  }
  return applied;
}
