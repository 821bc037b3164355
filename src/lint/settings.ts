import { read, Settings as S, type SettingsSource } from '../common/settings';
import type { SeveritySetting } from './types';
import type { HardeningMode } from './hardening';

/** The kubeml.lint.* settings as the diagnostics use them. */
export interface LintSettings {
  enable: boolean;
  rules: Record<string, SeveritySetting>;
  schemaValidation: 'auto' | 'on' | 'off';
  clusterSchema: boolean;
  /** "auto" or a bundled minor version ("1.33"). */
  kubernetesVersion: string;
  /** Security and resource suggestions below error: one folded summary, shown, or off (hardening.ts). */
  hardening: HardeningMode;
  debounceMs: number;
  maxFileBytes: number;
}

export function lintSettings(src: SettingsSource): LintSettings {
  return {
    enable: read(src, S.lintEnable),
    rules: read(src, S.lintRules),
    schemaValidation: read(src, S.lintSchemaValidation),
    clusterSchema: read(src, S.lintClusterSchema),
    kubernetesVersion: read(src, S.lintKubernetesVersion),
    hardening: read(src, S.lintHardening),
    debounceMs: read(src, S.lintDebounceMs),
    maxFileBytes: read(src, S.lintMaxFileSizeMB) * 1024 * 1024,
  };
}
