import { read, Settings as S, type SettingsSource } from '../common/settings';
import type { DriftThresholds } from '../model/driftReport';

/** The kubeml.drift.* settings as engine thresholds; a value out of its range keeps the default. */
export function thresholdsFromSettings(src: SettingsSource): DriftThresholds {
  const [psiModerate, psiSignificant] = read(src, S.driftPsiBands);
  return {
    method: read(src, S.driftMethod),
    pValue: read(src, S.driftPValue),
    wassersteinNormed: read(src, S.driftWasserstein),
    js: read(src, S.driftJs),
    psiModerate,
    psiSignificant,
    smallReferenceRows: read(src, S.driftSmallReferenceRows),
    driftShare: read(src, S.driftDatasetShare),
    bins: read(src, S.driftBins),
  };
}
