import type * as vscode from 'vscode';
import { Extension, type KubeMLApi } from './extensionMain';

export function activate(context: vscode.ExtensionContext): KubeMLApi {
  const extension = new Extension(context);
  context.subscriptions.push(extension);
  return extension.api;
}

export function deactivate(): void {
  // Everything is released through context.subscriptions.
}
