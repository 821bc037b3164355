/**
 * Helm templates without helm: the text with its template actions masked, so that lines and
 * columns hold, linted as parts of objects. What helm would render (values, includes) is not
 * known, so findings on masked text are dropped and one info finding per file says so.
 */
import { dirname, join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { IncrementalLinter, LintConfig, LintResult } from './engine';
import type { Finding } from './types';

/** A Go template action as Helm charts write them: {{ .Values.x }}, {{- include ... }}, {{ end }}, template comments. */
const HELM_ACTION =
  /\{\{-?\s*(?:\.|\$|\/\*|"|\(|(?:if|else|end|range|with|define|template|include|block|toYaml|toJson|tpl|printf|print|default|quote|required|lookup|fail|not|and|or|eq|ne|len|index|fromYaml|nindent|indent|trim|upper|lower|b64enc|semverCompare)\b)/;

/** What only Helm templates say: .Values, .Release, .Chart, .Capabilities, .Files, include "...". */
const HELM_ONLY = /\{\{[^}]*?(?:\.(?:Values|Release|Chart|Capabilities|Files)\b|\binclude\s+")/;

/**
 * Is the text a Helm template? It says .Values (or another Helm-only word), or it holds Go template
 * actions and is not YAML as it stands. Argo's {{inputs.parameters.x}}, kubeml.yaml's {{samples}}
 * and the Prometheus/Alertmanager templates that manifests carry in strings ({{ $labels.job }},
 * {{ range .Alerts }} in a block scalar) do not make a Helm template.
 */
export function hasTemplateActions(text: string): boolean {
  if (HELM_ONLY.test(text)) return true;
  if (!HELM_ACTION.test(text)) return false;
  try {
    return parseAllDocuments(text).some((d) => d.errors.length > 0);
  } catch {
    return true;
  }
}

export interface Masked {
  /** The text with each action replaced by same-length neutral text, lines of only actions blanked. */
  text: string;
  /** [start, end) of each action in the text. */
  actions: Array<[number, number]>;
}

/**
 * Masks the template actions of a Helm template: a line that holds only actions (and spaces)
 * becomes blank (`{{- if }}`, `{{ end }}`, `{{- include "labels" . | nindent 4 }}`), any other
 * action becomes "x"s of its length, so a value stays a (string) value. Newlines are kept.
 */
export function maskTemplate(text: string): Masked {
  const actions: Array<[number, number]> = [];
  const re = /\{\{[\s\S]*?\}\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // {{/* a comment with }} inside */}} ends at */}}.
    let end = m.index + m[0].length;
    if (/^\{\{-?\s*\/\*/.test(m[0])) {
      const close = text.indexOf('*/', m.index);
      if (close >= 0) {
        const after = text.indexOf('}}', close);
        if (after >= 0) end = after + 2;
      }
    }
    actions.push([m.index, end]);
    re.lastIndex = end;
  }
  if (actions.length === 0) return { text, actions };
  const chars = text.split('');
  for (const [s, e] of actions) for (let i = s; i < e; i++) if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = 'x';
  // Blank the lines that hold nothing but actions.
  const masked = chars.join('');
  let lineStart = 0;
  let a = 0;
  const out = chars;
  while (lineStart <= masked.length) {
    let lineEnd = masked.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = masked.length;
    while (a < actions.length && actions[a]![1] <= lineStart) a++;
    let onlyActions = false;
    if (a < actions.length && actions[a]![0] < lineEnd) {
      onlyActions = true;
      for (let i = lineStart; i < lineEnd && onlyActions; i++) {
        const c = text[i]!;
        if (c === ' ' || c === '\t' || c === '\r') continue;
        if (!actions.some(([s, e]) => i >= s && i < e)) onlyActions = false;
      }
    }
    if (onlyActions) for (let i = lineStart; i < lineEnd; i++) if (out[i] !== '\r') out[i] = ' ';
    lineStart = lineEnd + 1;
  }
  return { text: out.join(''), actions };
}

export const NOT_RENDERED =
  'Helm template: linted with its {{ }} actions masked, not rendered, so values and includes were not applied and only what this file says itself was checked. To lint the rendered objects, run `kubeml lint CHART_FOLDER` with helm on the PATH (or KUBEML_HELM set to it).';

/**
 * Lints a Helm template without helm: masked, partial, never a YAML syntax error; findings that
 * touch a masked action are dropped (they judge text helm would replace), and so are fixes that
 * would edit one. Adds one info finding (rule helm-template) saying that values were not rendered.
 */
export function lintTemplate(linter: IncrementalLinter, text: string, config: LintConfig, reason = NOT_RENDERED): LintResult {
  const masked = maskTemplate(text);
  const r = linter.lint(masked.text, { ...config, template: true });
  const touches = (s: number, e: number) => masked.actions.some(([as, ae]) => s < ae && Math.max(e, s + 1) > as);
  const findings: Finding[] = [];
  for (const f of r.findings) {
    if (f.ruleId === 'lint-limits') {
      findings.push(f);
      continue;
    }
    if (f.ruleId === 'yaml-syntax' || touches(f.start, f.end)) continue;
    const fixes = f.fixes?.filter((x) => !x.edits.some((e) => touches(e.start, e.end)));
    findings.push({ ...f, fixes: fixes?.length ? fixes : undefined });
  }
  if (config.rules?.['helm-template'] !== 'off') {
    const at = { line: 0, col: 0 };
    findings.unshift({
      ruleId: 'helm-template',
      severity: config.rules?.['helm-template'] ?? 'info',
      message: reason,
      start: 0,
      end: 0,
      startPos: at,
      endPos: at,
      docIndex: 0,
    } as Finding);
  }
  return { ...r, findings };
}

/** Files of a chart that are never Kubernetes objects. */
export const CHART_META_NAMES = [
  'Chart.yaml',
  'Chart.lock',
  'values.yaml',
  'values.yml',
  'values.schema.json',
  'requirements.yaml',
  'requirements.lock',
];

/**
 * The chart folder a template belongs to: the nearest folder above `file` with a Chart.yaml, when
 * `file` is under its templates/ folder. `isFile` tells whether a path is a file.
 */
export function chartOfTemplate(file: string, isFile: (p: string) => boolean): string | undefined {
  let dir = dirname(file);
  for (let i = 0; i < 8; i++) {
    if (isFile(join(dir, 'Chart.yaml'))) {
      const rel = relative(dir, file);
      return rel.startsWith(`templates${sep}`) ? dir : undefined;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}
