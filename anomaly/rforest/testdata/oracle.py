#!/usr/bin/python3
"""Test oracle for anomaly/rforest: scikit-learn's RandomForestRegressor.

Generates three fixed data sets (deterministic from SEED), writes each to
testdata/<name>.csv (feature columns x0..xk, the target `y`, then `test`:
0 for a training row, 1 for a held-out row), reads the CSV back so that
scikit-learn fits exactly the rounded values the Go test reads, and fits
sklearn.ensemble.RandomForestRegressor(bootstrap=True, oob_score=True) with
random_state 0..RUNS-1 for each configuration in CONFIGS. It writes the test
R^2 (score on the held-out rows), oob_score_ and feature_importances_ per run
and their means, the mean permutation_importance on the held-out rows for the
default configuration, and one DecisionTreeRegressor's node count and
held-out predictions per data set to testdata/sklearn.json. The Go tests only read the
committed outputs.

Run from anywhere with Debian's python3-sklearn:
    /usr/bin/python3 anomaly/rforest/testdata/oracle.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.datasets import make_friedman1
from sklearn.ensemble import RandomForestRegressor
from sklearn.inspection import permutation_importance
from sklearn.tree import DecisionTreeRegressor

SEED = 20260502
RUNS = 5
HERE = os.path.dirname(os.path.abspath(__file__))

# name -> RandomForestRegressor parameters. max_features is a count of
# features (None: all, scikit-learn 1.x's default for regressors); max_depth
# None is unlimited. "default" is the package's default Options, "sidecar"
# its SidecarOptions(), "half" exercises per-split feature sampling.
CONFIGS = {
    "default": dict(n_estimators=100, min_samples_leaf=1, max_depth=None, max_features=None),
    "sidecar": dict(n_estimators=50, min_samples_leaf=5, max_depth=12, max_features=None),
    "half": dict(n_estimators=100, min_samples_leaf=1, max_depth=None, max_features="half"),
}


def friedman1(rng):
    # make_friedman1: y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4
    # + N(0, 1); x5..x9 are irrelevant uniform features.
    X, y = make_friedman1(n_samples=2000, n_features=10, noise=1.0,
                          random_state=int(rng.integers(2**31)))
    return X, y, [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]


def latency(rng):
    # One route's p95 latency (ms) from six load features, shaped like the
    # sidecar's job: x0 request rate (req/s, daily cycle), x1 concurrency
    # (in-flight requests, follows the rate), x2 DB queries per request,
    # x3 cache hit ratio, x4 host CPU utilisation (0..1, partly the rate,
    # partly noisy neighbours), x5 hour of day. p95 rises like a queue
    # (1/(1-rho)) with the rate and cubically with CPU, linearly with DB
    # queries (less so with cache hits), and a nightly batch window
    # (01:00-03:59) adds 25 ms; multiplicative and additive noise.
    n = 3000
    hour = rng.integers(0, 24, n).astype(float)
    day = np.sin(2 * np.pi * (hour - 8) / 24)
    rate = 200 * (1 + 0.6 * day) * rng.lognormal(0, 0.15, n)
    conc = rate * 0.04 * rng.lognormal(0, 0.25, n)
    dbq = (rng.poisson(6, n) + 1).astype(float)
    cache = np.clip(rng.beta(8, 2, n), 0.3, 0.995)
    cpu = np.clip(rate / 600 + rng.normal(0, 0.15, n), 0.02, 0.99)
    rho = np.minimum(rate / 520, 0.92)
    batch = ((hour >= 1) & (hour < 4)).astype(float)
    p95 = (12 + 8 / (1 - rho) + 6 * dbq * (1 - 0.8 * cache) + 60 * cpu ** 3
           + 25 * batch + 0.05 * conc)
    p95 = p95 * rng.lognormal(0, 0.06, n) + rng.normal(0, 2, n)
    X = np.column_stack([rate, conc, dbq, cache, cpu, hour])
    # Concurrency adds only 0.05 ms per in-flight request (under 1 ms, below
    # the noise) and follows the rate: it counts as irrelevant.
    return X, p95, [0, 2, 3, 4, 5], [1]


def irrelevant(rng):
    # y = 10 x0 + 5 sin(2 pi x1) + 20 (x2 - 0.5)^2 + N(0, 0.5^2) on eight
    # uniform features; x3..x7 do not enter y.
    n = 2000
    X = rng.uniform(0, 1, (n, 8))
    y = 10 * X[:, 0] + 5 * np.sin(2 * np.pi * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2
    y = y + rng.normal(0, 0.5, n)
    return X, y, [0, 1, 2], [3, 4, 5, 6, 7]


def write_csv(path, X, y, test):
    header = ",".join([f"x{j}" for j in range(X.shape[1])] + ["y", "test"])
    with open(path, "w") as fh:
        fh.write(header + "\n")
        for row, t, s in zip(X, y, test):
            fh.write(",".join(f"{v:.6g}" for v in row) + f",{t:.6g},{int(s)}\n")


def main():
    rng = np.random.default_rng(SEED)
    result = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "random_states": list(range(RUNS)),
        "datasets": {},
    }
    for name, gen in [("friedman1", friedman1), ("latency", latency), ("irrelevant", irrelevant)]:
        X, y, relevant, irrel = gen(rng)
        n = X.shape[0]
        test = np.zeros(n, dtype=int)
        test[int(n * 0.75):] = 1  # rows are i.i.d., so the last quarter is held out
        path = os.path.join(HERE, name + ".csv")
        write_csv(path, X, y, test)
        data = np.loadtxt(path, delimiter=",", skiprows=1)
        X, y, test = data[:, :-2], data[:, -2], data[:, -1].astype(bool)
        Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
        ds = {
            "rows": int(n), "features": int(X.shape[1]),
            "train_rows": int(len(ytr)), "test_rows": int(len(yte)),
            "relevant": relevant, "irrelevant": irrel, "configs": {},
        }
        for cname, cfg in CONFIGS.items():
            params = dict(cfg)
            if params["max_features"] == "half":
                params["max_features"] = X.shape[1] // 2
            r2s, oobs, imps, perms = [], [], [], []
            for rs in range(RUNS):
                m = RandomForestRegressor(bootstrap=True, oob_score=True, random_state=rs,
                                          max_features=params["max_features"] or 1.0,
                                          n_estimators=params["n_estimators"],
                                          min_samples_leaf=params["min_samples_leaf"],
                                          max_depth=params["max_depth"]).fit(Xtr, ytr)
                r2s.append(float(m.score(Xte, yte)))
                oobs.append(float(m.oob_score_))
                imps.append(m.feature_importances_.tolist())
                if cname == "default":
                    pi = permutation_importance(m, Xte, yte, n_repeats=5, random_state=rs)
                    perms.append(pi.importances_mean.tolist())
            ds["configs"][cname] = {
                "n_estimators": params["n_estimators"],
                "min_samples_leaf": params["min_samples_leaf"],
                "max_depth": params["max_depth"] or 0,
                "max_features": params["max_features"] or 0,
                "test_r2_runs": [round(v, 6) for v in r2s],
                "test_r2_mean": round(float(np.mean(r2s)), 6),
                "oob_r2_runs": [round(v, 6) for v in oobs],
                "oob_r2_mean": round(float(np.mean(oobs)), 6),
                "importances_mean": [round(float(v), 6) for v in np.mean(imps, axis=0)],
            }
            if perms:
                ds["configs"][cname]["permutation_mean"] = [
                    round(float(v), 6) for v in np.mean(perms, axis=0)]
            c = ds["configs"][cname]
            print(name, cname, c["test_r2_mean"], c["oob_r2_mean"], c["importances_mean"])
        # One CART tree on all the training rows (no bootstrap, every
        # feature): its test predictions, to full precision, check the Go
        # splitter split for split.
        ds["cart"] = {}
        for cname in ("default", "sidecar"):
            cfg = CONFIGS[cname]
            t = DecisionTreeRegressor(random_state=0, min_samples_leaf=cfg["min_samples_leaf"],
                                      max_depth=cfg["max_depth"]).fit(Xtr, ytr)
            ds["cart"][cname] = {"nodes": int(t.tree_.node_count),
                                 "test_pred": [float(v) for v in t.predict(Xte)]}
        result["datasets"][name] = ds
    with open(os.path.join(HERE, "sklearn.json"), "w") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
