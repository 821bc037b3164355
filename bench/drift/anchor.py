"""The anchor for bench/drift/run.ts: scipy's ks_2samp + wasserstein_distance per feature (and
Evidently's DataDriftPreset when it imports) on the same data, read from raw float64 files."""
import json
import statistics
import sys
import time

import numpy as np
from scipy import stats

ref_path, cur_path, rows, features, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ref = np.fromfile(ref_path, dtype='<f8').reshape(features, rows)
cur = np.fromfile(cur_path, dtype='<f8').reshape(features, rows)

times = []
result = []
for _ in range(reps):
    t0 = time.perf_counter()
    result = []
    for f in range(features):
        ks = stats.ks_2samp(ref[f], cur[f])
        wd = stats.wasserstein_distance(ref[f], cur[f])
        result.append([float(ks.statistic), float(ks.pvalue), float(wd)])
    times.append(time.perf_counter() - t0)
out = {'scipy': {'runs_s': times, 'median_s': statistics.median(times), 'version': __import__('scipy').__version__, 'features': result}}

try:
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset
    cols = [f'f{i}' for i in range(features)]
    rdf = pd.DataFrame(ref.T, columns=cols)
    cdf = pd.DataFrame(cur.T, columns=cols)
    t0 = time.perf_counter()
    Report([DataDriftPreset()]).run(cdf, rdf)
    out['evidently'] = {'runs_s': [time.perf_counter() - t0], 'median_s': time.perf_counter() - t0, 'version': __import__('evidently').__version__}
except Exception as e:  # noqa: BLE001 - the anchor is optional
    out['evidently'] = {'error': f'{type(e).__name__}: {e}'[:300]}
print(json.dumps(out))
