#!/usr/bin/env python3
"""Regenerates test/fixtures/drift/scipy.json and test/fixtures/drift/scipy-property.json: drift
statistics computed by scipy/numpy on fixed data (fixed seeds), which src/drift/*.test.ts compare
against. scipy.json: everyday samples (KS statistic exact, p-values 1e-6 relative, distances 1e-9
relative). scipy-property.json: generated edge cases that the whole engine (sort, summaries,
KS, Wasserstein, chi-square) must get right: sparse columns, heavy ties, tiny samples, huge and
tiny magnitudes, subnormals, -0.0, long runs, values sharing their top 32 bits, mixed types.

    pip install --break-system-packages scipy numpy && python3 scripts/drift-fixtures.py

The fixture files are committed: the tests need neither Python nor scipy.
"""
import json
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

FIXTURES = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'drift')
OUT = os.path.join(FIXTURES, 'scipy.json')
PROPERTY_OUT = os.path.join(FIXTURES, 'scipy-property.json')
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


# --- scipy-property.json: edge cases for the whole engine ------------------------------------

def encode(col):
    """A column as the test reads it: numbers, null for NaN (missing), "inf" / "-inf"; long
    columns that are mostly NaN as {"rows": n, "at": [[row, value], ...]}."""
    a = np.asarray(col, dtype=float)
    def one(v):
        if np.isnan(v):
            return None
        if np.isinf(v):
            return 'inf' if v > 0 else '-inf'
        return float(v)
    finite_or_inf = np.flatnonzero(~np.isnan(a))
    if len(a) >= 100 and len(finite_or_inf) * 10 < len(a):
        return {'rows': int(len(a)), 'at': [[int(i), one(a[i])] for i in finite_or_inf]}
    return [one(v) for v in a]


def robust_std(x):
    """np.std on x scaled by a power of two (exact), so that 1e300 does not overflow to inf
    and subnormals do not underflow to 0 when squared."""
    m = float(np.max(np.abs(x)))
    if m == 0:
        return 0.0
    e = np.frexp(m)[1]
    return float(np.ldexp(np.std(np.ldexp(x, -e)), e))


def property_numeric(name, ref, cur, method='auto'):
    """ks_2samp and wasserstein_distance on the finite values of two raw columns."""
    ref = np.asarray(ref, dtype=float)
    cur = np.asarray(cur, dtype=float)
    rf = ref[np.isfinite(ref)]
    cf = cur[np.isfinite(cur)]
    ks = stats.ks_2samp(rf, cf, method=method)
    wd = stats.wasserstein_distance(rf, cf)
    assert np.isfinite(ks.statistic) and np.isfinite(ks.pvalue) and np.isfinite(wd), name
    std = robust_std(rf)
    return {
        'name': name, 'method': method, 'reference': encode(ref), 'current': encode(cur),
        'finite': [int(len(rf)), int(len(cf))],
        'ks': {'statistic': float(ks.statistic), 'pvalue': float(ks.pvalue)},
        'wasserstein': float(wd),
        'wassersteinNormed': float(wd / max(std, 0.001)),
    }


def top32(rng, n, keys, base_hi=0x3FF00000):
    """n doubles whose top 32 bits take `keys` values (each 16-bit half varies), low 32 bits random."""
    hi = (base_hi + rng.integers(0, keys, n) * 0x10001).astype(np.uint64)
    lo = rng.integers(0, 2**32, n, dtype=np.uint64)
    return ((hi << np.uint64(32)) | lo).view(np.float64)


def sparse(rng, rows, values, inf=0):
    a = np.full(rows, np.nan)
    at = rng.choice(rows, len(values) + inf, replace=False)
    a[at[:len(values)]] = values
    a[at[len(values):]] = np.inf
    return a


def chi2_binned(name, ref, cur, bins):
    """Chi-square on the reference's quantile bins as the engine does it: bins empty in both
    samples hold no observation and are left out (they are not categories of either sample);
    a bin empty in the reference only makes the statistic infinite (p = 0), as Evidently's
    chi-square has it for a category the reference never saw."""
    ref = np.asarray(ref, dtype=float)
    cur = np.asarray(cur, dtype=float)
    q = np.array([k / bins for k in range(bins + 1)])
    edges = np.quantile(np.sort(ref), q)[1:-1]
    inner = []
    for e in edges:
        if not inner or e > inner[-1]:
            inner.append(float(e))
    inner = np.array(inner)
    rc = np.bincount(np.searchsorted(inner, ref, side='right'), minlength=len(inner) + 1).astype(float)
    cc = np.bincount(np.searchsorted(inner, cur, side='right'), minlength=len(inner) + 1).astype(float)
    keep = (rc > 0) | (cc > 0)
    out = {'name': name, 'reference': encode(ref), 'current': encode(cur), 'edges': inner.tolist(),
           'emptyInBoth': int(np.sum(~keep)), 'bins': int(keep.sum())}
    rk, ck = rc[keep], cc[keep]
    if len(rk) < 2:
        out['chi2'] = {'statistic': 0.0, 'pvalue': 1.0, 'dof': 0}
    elif np.all(rk > 0):
        chi = stats.chisquare(ck, rk * (len(cur) / len(ref)))
        out['chi2'] = {'statistic': float(chi.statistic), 'pvalue': float(chi.pvalue), 'dof': int(len(rk) - 1)}
    else:
        out['chi2'] = {'statistic': 'inf', 'pvalue': 0.0, 'dof': int(len(rk) - 1)}
    return out


def property_mixed(name, ref, cur):
    """A numeric reference against a current column with text among its numbers: compared as
    categories (numbers written as JavaScript writes them). JS distance and PSI with the floor
    for empty shares, chi-square when every category was seen in the reference."""
    ref_keys = [None if np.isnan(v) else js_number(v) for v in ref]
    cur_keys = [c for c in cur if c is not None]
    rk = [k for k in ref_keys if k is not None]
    keys = sorted(set(rk) | set(cur_keys))
    rc = np.array([rk.count(k) for k in keys], dtype=float)
    cc = np.array([cur_keys.count(k) for k in keys], dtype=float)
    rp = shares_with_floor(rc, len(rk))
    cp = shares_with_floor(cc, len(cur_keys))
    out = {'name': name, 'reference': encode(ref), 'current': cur, 'keys': keys,
           'psi': float(np.sum((rp - cp) * np.log(rp / cp))), 'js': float(distance.jensenshannon(rp, cp))}
    if np.all(rc > 0) and len(keys) > 1:
        chi = stats.chisquare(cc, rc * (len(cur_keys) / len(rk)))
        out['chi2'] = {'statistic': float(chi.statistic), 'pvalue': float(chi.pvalue)}
    return out


def js_number(v):
    """String(v) in JavaScript, for the integers and short decimals these cases use."""
    v = float(v)
    if v == int(v) and abs(v) < 1e21:
        return str(int(v))
    r = repr(v)
    assert 'e' not in r, r
    return r


def property_cases(bins):
    rng = np.random.default_rng(20251203)
    numeric = []
    add = lambda *a, **k: numeric.append(property_numeric(*a, **k))
    # Sparse columns: mostly NaN (and an infinity or two), one or two finite values; long enough
    # (2,048 rows or more) for the radix sort.
    for rows in (2048, 5000):
        add(f'sparse {rows} rows: one value each side, the same', sparse(rng, rows, [7.25]), sparse(rng, rows, [7.25]))
        add(f'sparse {rows} rows: one value each side, different', sparse(rng, rows, [7.25]), sparse(rng, rows, [-3.5], inf=2))
        add(f'sparse {rows} rows: two values sharing their top 32 bits', sparse(rng, rows, [1.0, 1.0 + 2**-52]), sparse(rng, rows, [1.0 + 2**-51, 1.0]))
        add(f'sparse {rows} rows: two equal values against three', sparse(rng, rows, [0.1, 0.1]), sparse(rng, rows, [0.1, 0.2, 0.1], inf=1))
        add(f'sparse {rows} rows: -0.0 against 0.0', sparse(rng, rows, [-0.0]), sparse(rng, rows, [0.0]))
    add('sparse against dense', sparse(rng, 4096, [2.5, 2.5]), rng.normal(2.5, 1, 300))
    add('sparse 3000 rows against the same value in a short column', sparse(rng, 3000, [7.25]), sparse(rng, 100, [7.25]))
    # Heavy ties and long runs of equal values.
    add('heavy ties: 3 values, 3000 rows', rng.integers(0, 3, 3000), rng.integers(0, 3, 2500))
    add('heavy ties: 2 values, shifted share', rng.choice([0.0, 1.0], 4000, p=[0.7, 0.3]), rng.choice([0.0, 1.0], 3000, p=[0.6, 0.4]))
    add('heavy ties: integers 0..20 in a narrow normal', np.round(rng.normal(10, 2, 5000)), np.round(rng.normal(10.3, 2, 5000)))
    add('long runs: 2,500 equal values then a few', np.concatenate([np.full(2500, 5.0), rng.normal(5, 1, 20)]), np.concatenate([rng.normal(5, 1, 30), np.full(2200, 5.0)]))
    add('long runs: every value repeated 500 times', np.repeat(rng.normal(0, 1, 6), 500), np.repeat(rng.normal(0, 1, 5), 600))
    add('one constant each side, equal', np.full(3000, 4.0), np.full(2100, 4.0))
    add('one constant each side, different', np.full(3000, 4.0), np.full(2100, 4.0 + 2**-50))
    # Tiny samples.
    for n1, n2 in ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 3), (2, 3), (3, 1)):
        add(f'tiny n1={n1} n2={n2}', rng.normal(0, 1, n1), rng.normal(0.5, 1, n2))
    add('tiny n1=1 n2=1, equal', [3.0], [3.0])
    add('tiny n1=3 n2=2 with ties', [1.0, 1.0, 2.0], [1.0, 2.0])
    add('tiny against large', rng.normal(0, 1, 2), rng.normal(0, 1, 3000))
    # Huge and tiny magnitudes, subnormals, signed zeros.
    add('huge: around ±1e300', rng.normal(0, 1, 2500) * 1e300, rng.normal(0.1, 1, 2400) * 1e300)
    add('huge: 1e300 to 1e307, positive', 10.0 ** rng.uniform(300, 307, 3000), 10.0 ** rng.uniform(300.5, 307, 2800))
    add('tiny: around ±1e-300', rng.normal(0, 1, 2600) * 1e-300, rng.normal(0, 1.2, 2300) * 1e-300)
    add('subnormals', rng.integers(-2000, 2000, 3000) * 5e-324, rng.integers(-1800, 2200, 2900) * 5e-324)
    add('subnormals, small sample', rng.integers(-20, 20, 40) * 5e-324, rng.integers(-20, 25, 50) * 5e-324)
    add('magnitudes from 1e-300 to 1e300, both signs', rng.choice([-1, 1], 3000) * 10.0 ** rng.uniform(-300, 300, 3000), rng.choice([-1, 1], 3000) * 10.0 ** rng.uniform(-300, 300, 3000))
    signed = lambda n: rng.choice([-0.0, 0.0, 1.0, -1.0], n, p=[0.4, 0.4, 0.1, 0.1])
    add('-0.0 and 0.0 with a few ±1', signed(3000), signed(2500))
    add('-0.0 only against 0.0 only', np.full(2500, -0.0), np.full(2600, 0.0))
    # Values that share their top 32 bits (sign, exponent and 20 bits of mantissa).
    add('top 32 bits shared: one key, 3000 values', top32(rng, 3000, 1), top32(rng, 2500, 1))
    add('top 32 bits shared: 300 keys, 5000 values', top32(rng, 5000, 300), top32(rng, 5000, 300))
    add('top 32 bits shared: 1 + k * 2^-52', 1 + rng.integers(0, 1000, 4000) * 2.0**-52, 1 + rng.integers(0, 1100, 4000) * 2.0**-52)
    add('top 32 bits shared, negative', -top32(rng, 3000, 3), -top32(rng, 3000, 3))
    # Mixed types in a numeric column: integers with floats, missing values, infinities.
    mixed_ref = [1, 2.5, None, 3, float('inf'), 2, 2.0, -1, None, 7.75] * 250
    mixed_cur = [2, 2.5, 3.0, None, float('-inf'), 1, 4, 4.5, None, None] * 230
    to_f = lambda xs: np.array([np.nan if x is None else float(x) for x in xs])
    add('mixed: integers, floats, missing and infinities', to_f(mixed_ref), to_f(mixed_cur))
    add('mixed: booleans as 0/1 with missing', to_f([True, False, None, True] * 600), to_f([False, False, True, None] * 700))
    # Large samples: the asymptotic p-value (auto above 10,000 values per side) and forced methods.
    add('asymptotic: 12,000 against 11,000, small shift', rng.normal(0, 1, 12000), rng.normal(0.03, 1, 11000))
    add('asymptotic forced, ties', rng.integers(0, 50, 3000), rng.integers(0, 52, 2800), method='asymp')
    add('exact forced, 400 against 600', rng.normal(0, 1, 400), rng.normal(0.2, 1, 600), method='exact')

    # More than 5 distinct values, so that the engine uses the reference's quantile bins (with
    # at most 5 it counts the values themselves); ties at the minimum leave the first bin (below
    # the first edge) empty in both samples, interpolated edges leave bins between values empty.
    ties = lambda lo, hi, few: np.concatenate([np.repeat([lo, hi], [50, 50]), few])
    chi2 = [
        chi2_binned('ties at both ends: the first bin is empty in both', ties(0.0, 10.0, [1, 2, 3, 4]), np.concatenate([np.repeat([0.0, 10.0], [45, 55]), [1, 2, 3, 4]]), bins),
        chi2_binned('identical data, bins empty in both', ties(0.0, 100.0, [1, 2, 3, 4, 5, 6]), ties(0.0, 100.0, [1, 2, 3, 4, 5, 6]), bins),
        chi2_binned('bins between far values empty in both, shifted share', np.concatenate([np.arange(6.0), [1000.0] * 6]), np.concatenate([np.arange(6.0), [1000.0] * 5, [3.0]]), bins),
        chi2_binned('ties at the minimum, current shifted up', ties(0.0, 10.0, [1, 2, 3, 4]), np.concatenate([np.repeat([0.0, 10.0], [20, 80]), [1, 2, 3, 4]]), bins),
        chi2_binned('a value in a bin the reference left empty', np.concatenate([np.arange(6.0), [1000.0] * 6]), np.concatenate([np.arange(6.0), [1000.0] * 5, [700.0]]), bins),
        chi2_binned('at most 5 values: counted per value, not binned', np.repeat([0.0, 10.0], 60), np.repeat([0.0, 10.0], [50, 70]), bins),
        chi2_binned('normal, no empty bin', rng.normal(0, 1, 400), rng.normal(0.2, 1, 300), bins),
    ]
    mixed = [
        property_mixed('numbers then text', np.array([1.0, 2.0, 2.5, np.nan, 3.0] * 40), (['1', '2', '2.5', 'x', '3', None] * 30)),
        property_mixed('text unseen in the reference', np.array([0.0, 1.0, 1.0, 2.0] * 50), (['0', '1', 'n/a', '2', '1'] * 40)),
    ]
    return {'bins': bins, 'numeric': numeric, 'chi2Binned': chi2, 'mixed': mixed}


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

    prop = property_cases(BINS)
    prop.update({'generator': 'scripts/drift-fixtures.py', 'scipy': scipy.__version__, 'numpy': np.__version__})
    with open(PROPERTY_OUT, 'w') as f:
        json.dump(prop, f, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    print(f"wrote {PROPERTY_OUT}: {len(prop['numeric'])} numeric, {len(prop['chi2Binned'])} binned chi-square, {len(prop['mixed'])} mixed-type")


if __name__ == '__main__':
    main()
