"""The anchors of bench/drift/run.ts, on the same data, read from raw float64 files:

    python3 anchor.py scipy REF CUR ROWS FEATURES REPS      scipy's ks_2samp + wasserstein_distance per feature
    python3 anchor.py evidently REF CUR ROWS FEATURES 1     Evidently's DataDriftPreset (needs evidently, 'pandas<3')

Prints one JSON line. run.ts runs each in a process of its own, Evidently with a time limit.
"""
import json
import statistics
import sys
import time

import numpy as np

mode, ref_path, cur_path = sys.argv[1], sys.argv[2], sys.argv[3]
rows, features, reps = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
ref = np.fromfile(ref_path, dtype='<f8').reshape(features, rows)
cur = np.fromfile(cur_path, dtype='<f8').reshape(features, rows)

if mode == 'scipy':
    import scipy
    from scipy import stats

    times = []
    cpu = []
    result = []
    for _ in range(reps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        result = []
        for f in range(features):
            ks = stats.ks_2samp(ref[f], cur[f])
            wd = stats.wasserstein_distance(ref[f], cur[f])
            result.append([float(ks.statistic), float(ks.pvalue), float(wd)])
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(json.dumps({'runs_s': times, 'median_s': statistics.median(times), 'cpu_s': cpu, 'cpu_median_s': statistics.median(cpu),
                      'version': scipy.__version__, 'features': result}))
elif mode == 'evidently':
    try:
        import evidently
        import pandas as pd
        from evidently import Report
        from evidently.presets import DataDriftPreset
    except Exception as e:  # noqa: BLE001 - the anchor is optional
        print(json.dumps({'error': f'{type(e).__name__}: {e}'[:300]}))
        sys.exit(0)
    cols = [f'f{i}' for i in range(features)]
    rdf = pd.DataFrame(ref.T, columns=cols)
    cdf = pd.DataFrame(cur.T, columns=cols)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        Report([DataDriftPreset()]).run(cdf, rdf)
        times.append(time.perf_counter() - t0)
    print(json.dumps({'runs_s': times, 'median_s': statistics.median(times), 'version': evidently.__version__, 'rows': rows}))
else:
    sys.exit(f'unknown mode {mode}')
