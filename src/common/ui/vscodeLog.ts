import * as vscode from 'vscode';
import { Logger } from '../logging';
import { OUTPUT_CHANNEL } from '../../constants';

/** The KubeML log channel, wrapped in the plain-Node Logger (which redacts secrets). */
export function createLogger(): { logger: Logger; channel: vscode.LogOutputChannel } {
  const channel = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
  return { logger: new Logger(channel), channel };
}
