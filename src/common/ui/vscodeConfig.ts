import * as vscode from 'vscode';
import { read, type Setting, Settings as S, type SettingsSource } from '../settings';

/** The editor's kubeml.* configuration as a SettingsSource (for a resource scope when given). */
export function vscodeSettings(scope?: vscode.ConfigurationScope): SettingsSource {
  const c = vscode.workspace.getConfiguration('kubeml', scope);
  return { get: (key) => c.get<unknown>(key) };
}

/** One setting's value, in range, from the editor's configuration. */
export function setting<T>(s: Setting<T>, scope?: vscode.ConfigurationScope): T {
  return read(vscodeSettings(scope), s);
}

/** The settings the connection and the explorer read at many places. */
export const Settings = {
  section: 'kubeml',
  kubeconfig(): string | undefined {
    return setting(S.kubeconfig) || undefined;
  },
  prometheusUrl(): string | undefined {
    return setting(S.prometheusUrl) || undefined;
  },
  affects(e: vscode.ConfigurationChangeEvent, s: Setting<unknown>): boolean {
    return e.affectsConfiguration(`kubeml.${s.key}`);
  },
};
