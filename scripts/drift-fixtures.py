#!/usr/bin/env python3
"""Regenerates test/fixtures/drift/scipy.json: drift statistics computed by scipy/numpy on fixed
data, which src/drift/*.test.ts compare against (KS statistic exact, p-values 1e-6 relative,
distances 1e-9 relative).

    pip install scipy numpy && python3 scripts/drift-fixtures.py
"""
import json
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'drift', 'scipy.json')
BINS = 10


def r4(a):
    return [float(x) for x in np.round(np.asarray(a, dtype=float), 4)]


def shares_with_floor(counts, total):
    p = np.asarray(counts, dtype=float) / total
    nz = p[p != 0]
    floor = nz.min() / 10**6 if nz.min() <= 0.0001 else 0.0001
    p[p == 0] = floor
    return p


def binned(ref, cur):
    ref_sorted = np.sort(ref)
    q = np.array([k / BINS for k in range(BINS + 1)])
    edges = np.quantile(ref_sorted, q)[1:-1]
    inner = []
    for e in edges:
        if not inner or e > inner[-1]:
            inner.append(float(e))
    inner = np.array(inner)
    rc = np.bincount(np.searchsorted(inner, ref, side='right'), minlength=len(inner) + 1)
    cc = np.bincount(np.searchsorted(inner, cur, side='right'), minlength=len(inner) + 1)
    rp = shares_with_floor(rc, len(ref))
    cp = shares_with_floor(cc, len(cur))
    return inner, rp, cp


def numeric_case(name, ref, cur, method='auto'):
    ref = np.asarray(r4(ref))
    cur = np.asarray(r4(cur))
    ks = stats.ks_2samp(ref, cur, method=method)
    inner, rp, cp = binned(ref, cur)
    wd = stats.wasserstein_distance(ref, cur)
    return {
        'name': name, 'method': method, 'reference': ref.tolist(), 'current': cur.tolist(),
        'ks': {'statistic': float(ks.statistic), 'pvalue': float(ks.pvalue)},
        'wasserstein': float(wd),
        'wassersteinNormed': float(wd / max(np.std(ref), 0.001)),
        'edges': inner.tolist(),
        'psi': float(np.sum((rp - cp) * np.log(rp / cp))),
        'js': float(distance.jensenshannon(rp, cp)),
    }


def categorical_case(name, ref, cur):
    keys = sorted(set(ref) | set(cur))
    rc = np.array([ref.count(k) for k in keys], dtype=float)
    cc = np.array([cur.count(k) for k in keys], dtype=float)
    rp = shares_with_floor(rc, len(ref))
    cp = shares_with_floor(cc, len(cur))
    out = {'name': name, 'reference': ref, 'current': cur, 'keys': keys,
           'psi': float(np.sum((rp - cp) * np.log(rp / cp))), 'js': float(distance.jensenshannon(rp, cp))}
    if all(rc > 0) and len(keys) > 1:
        chi = stats.chisquare(cc, rc * (len(cur) / len(ref)))
        out['chi2'] = {'statistic': float(chi.statistic), 'pvalue': float(chi.pvalue)}
    return out


def main():
    rng = np.random.default_rng(20240607)
    numeric = []
    for n1, n2, shift, scale in [(20, 30, 0.0, 1.0), (50, 50, 0.5, 1.0), (100, 120, 0.2, 1.0), (300, 500, 0.1, 1.3),
                                  (1000, 1000, 0.05, 1.0), (999, 1001, 0.0, 1.0), (4000, 6000, 0.08, 1.0), (7, 9, 1.0, 1.0)]:
        numeric.append(numeric_case(f'normal n1={n1} n2={n2} shift={shift} scale={scale}',
                                    rng.normal(0, 1, n1), rng.normal(shift, scale, n2)))
    numeric.append(numeric_case('ties: integers 0..9', rng.integers(0, 10, 400), rng.integers(0, 11, 380)))
    numeric.append(numeric_case('auto asymptotic n1=10001 n2=10500', rng.normal(0, 1, 10001), rng.normal(0.03, 1, 10500)))
    numeric.append(numeric_case('exponential vs lognormal (asymp)', rng.exponential(1, 3000), rng.lognormal(0, 0.6, 2500), 'asymp'))
    for n1, n2, shift in [(100, 150, 0.0), (100, 150, 0.3), (100, 150, 0.9), (30, 40, 0.2), (200, 300, 0.05), (200, 300, 0.25), (200, 300, 0.6)]:
        numeric.append(numeric_case(f'forced asymp n1={n1} n2={n2} shift={shift}', rng.normal(0, 1, n1), rng.normal(shift, 1, n2), 'asymp'))
    for n1, n2, shift in [(2000, 3000, 0.1), (500, 700, 0.3)]:
        numeric.append(numeric_case(f'forced exact n1={n1} n2={n2} shift={shift}', rng.normal(0, 1, n1), rng.normal(shift, 1, n2), 'exact'))

    kstwo = []
    for n in [1, 2, 5, 10, 50, 140, 141, 500, 1000, 10000, 100000, 150000, 2000000]:
        for x in [0.001, 0.004, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 0.99]:
            kstwo.append({'n': n, 'x': x, 'sf': float(stats.kstwo.sf(x, n))})
    smirnov = []
    for n in [2, 3, 10, 100, 1000, 20000]:
        for x in [0.01, 0.05, 0.1, 0.3, 0.5, 0.7, 0.95]:
            smirnov.append({'n': n, 'x': x, 'sf': float(scipy.special.smirnov(n, x))})
    chi2 = []
    for dof in [1, 2, 3, 7, 20, 99, 1000]:
        for x in [0.01, 0.5, 1, 2.5, 7, 15, 40, 120, 900, 1100]:
            chi2.append({'dof': dof, 'x': x, 'sf': float(stats.chi2.sf(x, dof))})

    cats = ['a', 'b', 'c', 'd', 'e']
    categorical = [
        categorical_case('same mix', list(rng.choice(cats, 500, p=[.4, .3, .15, .1, .05])), list(rng.choice(cats, 600, p=[.4, .3, .15, .1, .05]))),
        categorical_case('shifted mix', list(rng.choice(cats, 500, p=[.4, .3, .15, .1, .05])), list(rng.choice(cats, 400, p=[.2, .2, .2, .2, .2]))),
        categorical_case('new category in current', list(rng.choice(cats[:3], 300)), list(rng.choice(cats[:4], 300))),
    ]
    for c in categorical:
        c['reference'] = [str(x) for x in c['reference']]
        c['current'] = [str(x) for x in c['current']]
        c['keys'] = [str(x) for x in c['keys']]

    doc = {'generator': 'scripts/drift-fixtures.py', 'scipy': scipy.__version__, 'numpy': np.__version__, 'bins': BINS,
           'numeric': numeric, 'kstwo': kstwo, 'smirnov': smirnov, 'chi2': chi2, 'categorical': categorical}
    with open(OUT, 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {OUT}: {len(numeric)} numeric, {len(categorical)} categorical, {len(kstwo)} kstwo, {len(chi2)} chi2')


if __name__ == '__main__':
    main()
