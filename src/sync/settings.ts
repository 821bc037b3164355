import { read, Settings as S, type SettingsSource } from '../common/settings';

/** The kubeml.sync.* settings as Start Sync and run following use them. */
export interface SyncSettings {
  localFolder: string | undefined;
  remoteFolder: string;
  maxFileSizeMB: number;
  mirror: boolean;
  exclude: string[];
  followRuns: boolean;
}

export function syncSettings(src: SettingsSource): SyncSettings {
  return {
    localFolder: read(src, S.syncLocalFolder) || undefined,
    remoteFolder: read(src, S.syncRemoteFolder),
    maxFileSizeMB: read(src, S.syncMaxFileSizeMB),
    mirror: read(src, S.syncMirror),
    exclude: read(src, S.syncExclude),
    followRuns: read(src, S.syncFollowRuns),
  };
}
