"""The sample's data set: a synthetic classification problem generated with scikit-learn.

One pool of POOL rows per seed: training takes rows from the first half, "current" (production)
data from the second half, so both come from the same problem. `shift` then moves the current
data away from the training distribution (means and spread of half of the features), which is
what the validation's drift report should detect.
"""
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

N_FEATURES = 6
FEATURES = [f"f{i}" for i in range(N_FEATURES)]
POOL = 10000


def generate(n_samples=3000, seed=42, shift=0.0, part="train"):
    n_samples = min(n_samples, POOL // 2)
    x, y = make_classification(
        n_samples=POOL,
        n_features=N_FEATURES,
        n_informative=4,
        n_redundant=1,
        n_clusters_per_class=2,
        class_sep=1.2,
        random_state=seed,
    )
    start = 0 if part == "train" else POOL // 2
    x, y = x[start:start + n_samples].copy(), y[start:start + n_samples]
    if shift:
        rng = np.random.default_rng(seed + 1)
        for j in range(0, N_FEATURES, 2):
            x[:, j] = x[:, j] * (1 + 0.5 * shift) + shift * 1.5 + rng.normal(0, 0.1, len(x))
    frame = pd.DataFrame(x, columns=FEATURES)
    frame["label"] = y
    return frame
