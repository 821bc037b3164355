import { lintText, type LintConfig } from './engine';
import { bundledValidator } from './schema/bundled';
import type { Finding, TextEdit } from './types';

/** Helpers shared by the linter's unit tests. */
export interface Hit {
  rule: string;
  /** 1-based line of the start, as an editor shows it. */
  line: number;
  /** The underlined text. */
  text: string;
  severity: string;
  message: string;
  finding: Finding;
}

export function lint(text: string, config: LintConfig = {}): Hit[] {
  const r = lintText(text, { bundledSchema: bundledValidator(), ...config });
  return r.findings.map((f) => ({
    rule: f.ruleId,
    line: f.startPos.line + 1,
    text: text.slice(f.start, f.end),
    severity: f.severity,
    message: f.message,
    finding: f,
  }));
}

/** The hits of one rule. */
export function hits(text: string, rule: string, config: LintConfig = {}): Hit[] {
  return lint(text, config).filter((h) => h.rule === rule);
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** Applies a hit's first (preferred) fix. */
export function fix(text: string, hit: Hit, index = 0): string {
  const f = hit.finding.fixes?.[index];
  if (!f) throw new Error(`no fix ${index} on ${hit.rule}: ${hit.message}`);
  return applyEdits(text, f.edits);
}

/** Builds YAML from lines, so tests read like the manifests they check. */
export function y(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** A Job pod with every core and ML rule satisfied, for tests to break one thing at a time. */
export const CLEAN_GPU_JOB = y(
  'apiVersion: batch/v1',
  'kind: Job',
  'metadata:',
  '  name: train',
  'spec:',
  '  backoffLimit: 2',
  '  ttlSecondsAfterFinished: 3600',
  '  template:',
  '    spec:',
  '      restartPolicy: Never',
  '      nodeSelector:',
  '        nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB',
  '      tolerations:',
  '        - key: nvidia.com/gpu',
  '          operator: Exists',
  '          effect: NoSchedule',
  '      securityContext:',
  '        runAsNonRoot: true',
  '      containers:',
  '        - name: train',
  '          image: ghcr.io/acme/train:1.2.0',
  '          command: ["torchrun", "train.py"]',
  '          securityContext:',
  '            allowPrivilegeEscalation: false',
  '            readOnlyRootFilesystem: true',
  '          resources:',
  '            requests:',
  '              cpu: "4"',
  '              memory: 16Gi',
  '              nvidia.com/gpu: 1',
  '            limits:',
  '              cpu: "4"',
  '              memory: 16Gi',
  '              nvidia.com/gpu: 1',
  '          volumeMounts:',
  '            - name: dshm',
  '              mountPath: /dev/shm',
  '      volumes:',
  '        - name: dshm',
  '          emptyDir:',
  '            medium: Memory',
);
