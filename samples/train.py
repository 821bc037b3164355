"""Trains the sample model (a random forest on generated data) and saves it with its reference data.

    python3 train.py --out out/run-1            (locally)
    KubeML: Launch Training                     (on the cluster; see kubeml.yaml)

Prints metrics behind the KUBEML_RESULT marker; writes model.pkl and reference.csv (the held-out
split, the baseline for drift) to --out, by default $KUBEML_ARTIFACTS. The training curve (accuracy
and log loss on the held-out split as the forest grows, one step per stage) is printed as step
metrics and, when tensorboardX is installed (it is in KubeML's training image), also written as
TensorBoard event files to <out>/tensorboard/, which KubeML reads as well.
"""
import argparse
import os
import pickle
import time
from pathlib import Path

from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score, log_loss
from sklearn.model_selection import train_test_split

import kubeml_results as results
from data import FEATURES, generate


def tensorboard_writer(folder):
    """A tensorboardX writer that flushes every second, or None (said once) without tensorboardX."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        print("tensorboardX is not installed: the training curve is not written as TensorBoard event files", flush=True)
        return None
    return SummaryWriter(str(folder), flush_secs=1)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=os.environ.get("KUBEML_ARTIFACTS", "out"))
    p.add_argument("--samples", type=int, default=4000)
    p.add_argument("--n-estimators", type=int, default=100)
    p.add_argument("--max-depth", type=int, default=8)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--stages", type=int, default=12, help="steps of the training curve (the forest grows in stages)")
    p.add_argument("--pace", type=float, default=1.0, help="least seconds per stage, so that the curve can be watched")
    a = p.parse_args()

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    data = generate(a.samples, a.seed)
    train, test = train_test_split(data, test_size=0.3, random_state=a.seed, stratify=data["label"])
    print(f"training a random forest ({a.n_estimators} trees, depth {a.max_depth}) on {len(train)} rows", flush=True)

    t0 = time.time()
    model = RandomForestClassifier(n_estimators=a.n_estimators, max_depth=a.max_depth, random_state=a.seed, n_jobs=1)
    tb = tensorboard_writer(out / "tensorboard")
    # Grow the forest in stages: the training curve, one step per stage.
    stages = max(4, a.stages)
    for step in range(1, stages + 1):
        t_stage = time.time()
        model.set_params(n_estimators=max(step, a.n_estimators * step // stages), warm_start=True)
        model.fit(train[FEATURES], train["label"])
        accuracy = accuracy_score(test["label"], model.predict(test[FEATURES]))
        loss = log_loss(test["label"], model.predict_proba(test[FEATURES]), labels=model.classes_)
        results.metric("accuracy", accuracy, step=step, split="test")
        results.metric("loss", loss, step=step, split="test")
        if tb is not None:
            tb.add_scalar("accuracy", accuracy, step)
            tb.add_scalar("loss", loss, step)
            tb.add_scalar("trees", len(model.estimators_), step)
            tb.flush()
        time.sleep(max(0.0, a.pace - (time.time() - t_stage)))
    if tb is not None:
        tb.close()
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
