"""Trains the sample model (a random forest on generated data) and saves it with its reference data.

    python3 train.py --out out/run-1            (locally)
    KubeML: Launch Training                     (on the cluster; see kubeml.yaml)

Prints metrics behind the KUBEML_RESULT marker; writes model.pkl and reference.csv (the held-out
split, the baseline for drift) to --out, by default $KUBEML_ARTIFACTS.
"""
import argparse
import os
import pickle
import time
from pathlib import Path

from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

import kubeml_results as results
from data import FEATURES, generate


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=os.environ.get("KUBEML_ARTIFACTS", "out"))
    p.add_argument("--samples", type=int, default=4000)
    p.add_argument("--n-estimators", type=int, default=100)
    p.add_argument("--max-depth", type=int, default=8)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    data = generate(a.samples, a.seed)
    train, test = train_test_split(data, test_size=0.3, random_state=a.seed, stratify=data["label"])
    print(f"training a random forest ({a.n_estimators} trees, depth {a.max_depth}) on {len(train)} rows", flush=True)

    t0 = time.time()
    model = RandomForestClassifier(n_estimators=a.n_estimators, max_depth=a.max_depth, random_state=a.seed, n_jobs=1)
    # Grow the forest in steps to report progress as metrics with a step.
    steps = 4
    for step in range(1, steps + 1):
        model.set_params(n_estimators=max(1, a.n_estimators * step // steps), warm_start=True)
        model.fit(train[FEATURES], train["label"])
        results.metric("accuracy", accuracy_score(test["label"], model.predict(test[FEATURES])), step=step, split="test")
    pred = model.predict(test[FEATURES])
    results.metric("accuracy", accuracy_score(test["label"], pred))
    results.metric("f1", f1_score(test["label"], pred))
    results.metric("train_accuracy", accuracy_score(train["label"], model.predict(train[FEATURES])))
    results.metric("train_seconds", time.time() - t0)

    with open(out / "model.pkl", "wb") as f:
        pickle.dump({"model": model, "features": FEATURES}, f)
    test.to_csv(out / "reference.csv", index=False)
    results.artifact(out / "model.pkl", "model")
    results.artifact(out / "reference.csv", "reference")
    print(f"saved the model and the reference data to {out}", flush=True)


if __name__ == "__main__":
    main()
