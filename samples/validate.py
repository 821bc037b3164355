"""Validates a trained model: accuracy on the reference and the current data, and data drift between them.

    python3 validate.py --model out/run-1 --current synthetic --shift 1.0      (locally)
    KubeML: Run Validation                                                     (on the cluster)

--current is a CSV file with the feature columns (and `label` when accuracy is wanted), or
`synthetic` for freshly generated data moved by --shift. Prints metrics and one drift report
behind the KUBEML_RESULT marker; the report has the format of KubeML's drift engine (version 1),
so Open Drift Report shows it.
"""
import argparse
import datetime
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

import kubeml_results as results
from data import generate

# The thresholds of KubeML's drift engine (src/drift/report.ts DEFAULT_THRESHOLDS).
THRESHOLDS = {
    "method": "auto", "pValue": 0.05, "wassersteinNormed": 0.1, "js": 0.1,
    "psiModerate": 0.1, "psiSignificant": 0.25, "smallReferenceRows": 1000,
    "driftShare": 0.5, "bins": 10,
}
HIST_BINS = 20
# Drift over time: the current data is also compared in windows of this many rows.
WINDOW_ROWS = 250


def binned_shares(ref, cur, bins):
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1) / len(cur)
    return r, c


def psi(r, c, eps=1e-4):
    r = np.clip(r, eps, None)
    c = np.clip(c, eps, None)
    return float(np.sum((c - r) * np.log(c / r)))


def feature_drift(name, ref, cur):
    ref = ref[np.isfinite(ref)]
    cur = cur[np.isfinite(cur)]
    counts = {"reference": int(len(ref)), "current": int(len(cur)), "missingReference": 0, "missingCurrent": 0, "nonFiniteReference": 0, "nonFiniteCurrent": 0}
    ks = stats.ks_2samp(ref, cur)
    wd = float(stats.wasserstein_distance(ref, cur))
    wd_normed = wd / max(float(np.std(ref)), 0.001)
    r, c = binned_shares(ref, cur, THRESHOLDS["bins"])
    p = psi(r, c)
    js = float(jensenshannon(r, c))
    if len(ref) <= THRESHOLDS["smallReferenceRows"]:
        test, score, threshold = "ks", float(ks.pvalue), THRESHOLDS["pValue"]
        drifted = score < threshold
    else:
        test, score, threshold = "wasserstein", wd_normed, THRESHOLDS["wassersteinNormed"]
        drifted = score >= threshold
    lo, hi = float(min(ref.min(), cur.min())), float(max(ref.max(), cur.max()))
    edges = np.linspace(lo, hi, HIST_BINS + 1)
    band = "none" if p < THRESHOLDS["psiModerate"] else "moderate" if p < THRESHOLDS["psiSignificant"] else "significant"
    return {
        "name": name, "kind": "numeric", "status": "drift" if drifted else "ok",
        "test": test, "score": score, "threshold": threshold, "psiBand": band,
        "stats": {"ks": {"statistic": float(ks.statistic), "pValue": float(ks.pvalue), "method": "asymp"},
                  "wasserstein": wd, "wassersteinNormed": wd_normed, "psi": p, "js": js},
        "counts": counts,
        "histogram": {"edges": edges.tolist(),
                      "reference": (np.histogram(ref, edges)[0] / len(ref)).tolist(),
                      "current": (np.histogram(cur, edges)[0] / len(cur)).tolist()},
        "warnings": [],
    }


def window_drift(index, start, end, reference, current, features):
    """Drift of rows start..end of the current data: the test each feature uses for the whole sample."""
    fs = []
    for name in features:
        f = feature_drift(name, reference[name].to_numpy(float), current[name].to_numpy(float)[start:end])
        fs.append({k: f[k] for k in ("name", "status", "test", "score", "threshold")})
    share = sum(f["status"] == "drift" for f in fs) / max(len(fs), 1)
    return {"index": index, "label": f"rows {start + 1}\u2013{end}", "rows": end - start, "driftedShare": share, "features": fs}


def drift_report(reference, current, features, ref_source, cur_source, window_rows=WINDOW_ROWS):
    rows = [feature_drift(f, reference[f].to_numpy(float), current[f].to_numpy(float)) for f in features]
    share = sum(f["status"] == "drift" for f in rows) / max(len(rows), 1)
    n = len(current)
    windows = [window_drift(i, s, min(s + window_rows, n), reference, current, features) for i, s in enumerate(range(0, n, window_rows))] if window_rows > 0 and n > window_rows else []
    return {
        "version": 1,
        "createdAt": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "reference": {"source": ref_source, "rows": int(len(reference))},
        "current": {"source": cur_source, "rows": int(len(current))},
        "thresholds": THRESHOLDS,
        "features": rows,
        "driftedShare": share,
        "datasetDrift": share >= THRESHOLDS["driftShare"],
        "windows": windows,
        "warnings": [],
    }


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default=os.environ.get("KUBEML_MODEL") or "out")
    p.add_argument("--reference", default=os.environ.get("KUBEML_REFERENCE") or "")
    p.add_argument("--current", default=os.environ.get("KUBEML_CURRENT") or "synthetic")
    p.add_argument("--shift", type=float, default=1.0)
    p.add_argument("--samples", type=int, default=2000)
    p.add_argument("--seed", type=int, default=42, help="seed of the generated problem (as in train.py)")
    a = p.parse_args()

    model_dir = Path(a.model)
    if not (model_dir / "model.pkl").exists():
        raise SystemExit(f"validate.py: no model.pkl in {model_dir}: train first (python3 train.py --out {model_dir})")
    with open(model_dir / "model.pkl", "rb") as f:
        saved = pickle.load(f)
    model, features = saved["model"], saved["features"]
    ref_path = Path(a.reference) if a.reference else model_dir / "reference.csv"
    reference = pd.read_csv(ref_path)
    if a.current == "synthetic":
        current, cur_source = generate(a.samples, a.seed, shift=a.shift, part="current"), f"synthetic (shift {a.shift})"
    else:
        current, cur_source = pd.read_csv(a.current), a.current
    missing = [f for f in features if f not in current.columns]
    if missing:
        raise SystemExit(f"validate.py: the current data lacks the feature columns {', '.join(missing)}")
    print(f"validating {model_dir} on {len(reference)} reference and {len(current)} current rows", flush=True)

    results.metric("accuracy", (model.predict(reference[features]) == reference["label"]).mean(), split="reference")
    if "label" in current.columns:
        results.metric("accuracy", (model.predict(current[features]) == current["label"]).mean(), split="current")
    report = drift_report(reference, current, features, str(ref_path), cur_source)
    results.metric("drifted_share", report["driftedShare"])
    results.drift(report)
    drifted = [f["name"] for f in report["features"] if f["status"] == "drift"]
    print(f"drift in {len(drifted)} of {len(features)} features: {', '.join(drifted) or 'none'}", flush=True)


if __name__ == "__main__":
    main()
