#!/usr/bin/python3
"""Test oracle for anomaly/iforest: scikit-learn's IsolationForest.

Generates three fixed data sets (deterministic from SEED), writes each to
testdata/<name>.csv (feature columns x0..xk, then a 0/1 `label` column, 1 =
injected anomaly), fits sklearn.ensemble.IsolationForest(n_estimators=100,
max_samples=256) with random_state 0..RUNS-1 on each, and writes the ROC AUC
(sklearn.metrics.roc_auc_score on -score_samples) per run and their mean to
testdata/sklearn_auc.json. The Go tests only read the committed outputs.

Run from anywhere with Debian's python3-sklearn:
    /usr/bin/python3 anomaly/iforest/testdata/oracle.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

SEED = 20260415
RUNS = 10
HERE = os.path.dirname(os.path.abspath(__file__))


def univariate(rng):
    # 2000 standard normal points; 40 outliers at |z| uniform in [1.8, 4.5],
    # so some overlap the tails and the AUC is below 1.
    n, k = 2000, 40
    x = rng.normal(0.0, 1.0, n)
    out = rng.uniform(1.8, 4.5, k) * rng.choice([-1.0, 1.0], k)
    X = np.concatenate([x, out]).reshape(-1, 1)
    y = np.concatenate([np.zeros(n), np.ones(k)])
    return X, y


def blobs4(rng):
    # A mixture of three 4-D Gaussian blobs (3000 points) and 150 points
    # uniform over the data's bounding box (some land inside blobs).
    centers = np.array([[0, 0, 0, 0], [5, 5, 0, 0], [0, 5, 5, -3]], dtype=float)
    scales = np.array([1.0, 0.7, 1.3])
    sizes = [1200, 1000, 800]
    parts = [rng.normal(c, s, (m, 4)) for c, s, m in zip(centers, scales, sizes)]
    inl = np.vstack(parts)
    lo, hi = inl.min(axis=0), inl.max(axis=0)
    out = rng.uniform(lo, hi, (150, 4))
    X = np.vstack([inl, out])
    y = np.concatenate([np.zeros(len(inl)), np.ones(len(out))])
    return X, y


def seasonal(rng):
    # A week of 5-minute points (2016) of a daily-seasonal level with noise,
    # features (value, sin(phase), cos(phase)); anomalies are five level
    # shifts of 24 points (+/- 2 units) and ten single spikes.
    n, period = 2016, 288
    t = np.arange(n)
    phase = 2 * np.pi * (t % period) / period
    v = 10 + 3 * np.sin(phase) + rng.normal(0, 0.6, n)
    y = np.zeros(n)
    starts = rng.choice(np.arange(50, n - 50, 24), 5, replace=False)
    for s in starts:
        v[s:s + 24] += rng.choice([-2.0, 2.0])
        y[s:s + 24] = 1
    spikes = rng.choice(np.flatnonzero(y == 0), 10, replace=False)
    v[spikes] += rng.uniform(2.5, 5, 10) * rng.choice([-1, 1], 10)
    y[spikes] = 1
    X = np.column_stack([v, np.sin(phase), np.cos(phase)])
    return X, y


def main():
    rng = np.random.default_rng(SEED)
    result = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "n_estimators": 100,
        "max_samples": 256,
        "random_states": list(range(RUNS)),
        "datasets": {},
    }
    for name, gen in [("univariate", univariate), ("blobs4", blobs4), ("seasonal", seasonal)]:
        X, y = gen(rng)
        header = ",".join([f"x{j}" for j in range(X.shape[1])] + ["label"])
        rows = np.column_stack([X, y])
        with open(os.path.join(HERE, name + ".csv"), "w") as fh:
            fh.write(header + "\n")
            for r in rows:
                fh.write(",".join(repr(float(v)) for v in r[:-1]) + f",{int(r[-1])}\n")
        aucs = []
        for rs in range(RUNS):
            f = IsolationForest(n_estimators=100, max_samples=256, random_state=rs).fit(X)
            aucs.append(float(roc_auc_score(y, -f.score_samples(X))))
        result["datasets"][name] = {
            "rows": int(X.shape[0]),
            "features": int(X.shape[1]),
            "anomalies": int(y.sum()),
            "auc_runs": [round(a, 6) for a in aucs],
            "auc_mean": round(float(np.mean(aucs)), 6),
            "auc_std": round(float(np.std(aucs)), 6),
        }
        print(name, result["datasets"][name]["auc_mean"], result["datasets"][name]["auc_std"])
    with open(os.path.join(HERE, "sklearn_auc.json"), "w") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
