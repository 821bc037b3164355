/**
 * What a YAML file is, from its path, its text and the files around it, and how it is linted:
 * kubeml.yaml (the run spec, its own schema only), a chart's Chart.yaml / values.yaml (never
 * objects), a Helm template (masked, helm.ts), a kustomization (kustomize's fields), a file a
 * kustomization names as a patch (a partial object, or a JSON6902 list), or plain manifests.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { IncrementalLinter, LintConfig, LintResult } from './engine';
import { CHART_META_NAMES, chartOfTemplate, hasTemplateActions, lintTemplate } from './helm';
import { isKustomizationName, KUSTOMIZATION_NAMES, patchRefs, type PatchRefs } from './kustomize';

export type FileKind =
  'kubeml-spec' | 'chart-meta' | 'helm-template' | 'kustomization' | 'kustomize-patch' | 'json6902-patch' | 'kustomize-data' | 'manifest';

export interface Classified {
  kind: FileKind;
  /** helm-template: the chart folder (absent for a file that holds template actions outside a chart). */
  chart?: string;
  /** kustomize-patch, json6902-patch, kustomize-data: the kustomization that names the file. */
  kustomization?: string;
}

/** File access for classifying: the real file system, or a test's. */
export interface FsProbe {
  isFile(path: string): boolean;
  read(path: string): string | undefined;
  /** Changes when the file changes (size and mtime); lets a kustomization's parsed patch list be reused. */
  stamp?(path: string): string | undefined;
}

export const nodeFs: FsProbe = {
  isFile(p) {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  },
  read(p) {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  stamp(p) {
    try {
      const st = statSync(p);
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return undefined;
    }
  },
};

/**
 * The real file system with answers kept for one command-line run: a folder of N files asks about the
 * same Chart.yaml and kustomization paths N times (up to 20 stat calls a file otherwise).
 */
export function cachedNodeFs(): FsProbe {
  const isFile = new Map<string, boolean>();
  const stamps = new Map<string, string | undefined>();
  return {
    isFile(p) {
      let v = isFile.get(p);
      if (v === undefined) isFile.set(p, (v = nodeFs.isFile(p)));
      return v;
    },
    read: nodeFs.read,
    stamp(p) {
      if (!stamps.has(p)) stamps.set(p, nodeFs.stamp!(p));
      return stamps.get(p);
    },
  };
}

/** Parsed patch lists of kustomizations, by path, while the file is unchanged (a folder walk asks for each of its files). */
const refsCache = new Map<string, { stamp: string; refs: PatchRefs }>();

function refsOf(k: string, fs: FsProbe): PatchRefs | undefined {
  const stamp = fs.stamp?.(k);
  const hit = stamp === undefined ? undefined : refsCache.get(k);
  if (hit && hit.stamp === stamp) return hit.refs;
  const text = fs.read(k);
  if (text === undefined) return undefined;
  const refs = patchRefs(k, text);
  if (stamp !== undefined) {
    if (refsCache.size > 500) refsCache.clear();
    refsCache.set(k, { stamp, refs });
  }
  return refs;
}

/** How many folders up a kustomization may name a patch (patches/x.yaml, ../common/x.yaml). */
const PATCH_SEARCH_DEPTH = 3;

export function isKubemlSpecName(path: string): boolean {
  return /^kubeml\.ya?ml$/.test(basename(path));
}

/** `path` as given (absolute or relative to the working folder); `text` the file's text when read. */
export function classifyFile(path: string, text: string | undefined, fs: FsProbe = nodeFs): Classified {
  const name = basename(path);
  if (isKubemlSpecName(path)) return { kind: 'kubeml-spec' };
  if (CHART_META_NAMES.includes(name)) return { kind: 'chart-meta' };
  if (isKustomizationName(path)) return { kind: 'kustomization' };
  const abs = resolve(path);
  const chart = chartOfTemplate(abs, fs.isFile);
  if (chart) return { kind: 'helm-template', chart };
  if (text !== undefined && hasTemplateActions(text)) return { kind: 'helm-template' };
  const patch = patchOwner(abs, fs);
  if (patch) return patch;
  return { kind: 'manifest' };
}

/** The kustomization in this folder or up to PATCH_SEARCH_DEPTH folders above that names `abs` as a patch. */
export function patchOwner(abs: string, fs: FsProbe = nodeFs): Classified | undefined {
  let dir = dirname(abs);
  for (let i = 0; i <= PATCH_SEARCH_DEPTH; i++) {
    for (const n of KUSTOMIZATION_NAMES) {
      const k = join(dir, n);
      if (!fs.isFile(k)) continue;
      const refs = refsOf(k, fs);
      if (!refs) continue;
      if (refs.json6902.includes(abs)) return { kind: 'json6902-patch', kustomization: k };
      if (refs.merge.includes(abs)) return { kind: 'kustomize-patch', kustomization: k };
      if (refs.data.includes(abs)) return { kind: 'kustomize-data', kustomization: k };
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** The lint settings for a file of this kind, on top of the caller's. */
export function configFor(c: Classified, base: LintConfig): LintConfig {
  switch (c.kind) {
    case 'kubeml-spec':
      return { ...base, kubemlSpec: true };
    case 'chart-meta':
    case 'json6902-patch':
    case 'kustomize-data':
      return { ...base, objects: false };
    case 'kustomization':
      return { ...base, kustomization: true };
    case 'kustomize-patch':
      return { ...base, partial: true };
    default:
      return base;
  }
}

/** Lints one file by its kind: a Helm template masked (helm.ts), the others with configFor's settings. */
export function lintByKind(linter: IncrementalLinter, c: Classified, text: string, config: LintConfig, templateNote?: string): LintResult {
  if (c.kind === 'helm-template') return lintTemplate(linter, text, config, templateNote);
  return linter.lint(text, configFor(c, config));
}

/**
 * Whether a file found in a folder walk (not named on the command line) or opened in the editor is
 * linted at all: kubeml.yaml, templates, kustomizations and patches always; chart metadata never;
 * other YAML when it looks like Kubernetes objects.
 */
export function worthLinting(c: Classified, looksLikeKubernetes: () => boolean): boolean {
  if (c.kind === 'chart-meta') return false;
  if (c.kind === 'manifest') return looksLikeKubernetes();
  return true;
}
