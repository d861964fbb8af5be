"""The scikit-learn reference pipeline of ../shared/eval/README.md (TF-IDF with English
stop words and sublinear tf, TruncatedSVD(100), re-normalised, KMeans(n_init=10)),
for side-by-side quality and speed figures. Run with Debian's python3-sklearn:

    /usr/bin/python3 feedback/themes/cmd/eval/sklearn_baseline.py FILE.csv K [SEEDS] [REPEAT]

Prints NMI ARI ACC (in %) and the seconds per run; REPEAT > 1 repeats the texts to
reach larger sizes (for timing only).
"""
import csv, sys, time, resource
import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize


def acc(y, p):
    k = max(y.max(), p.max()) + 1
    w = np.zeros((k, k))
    for a, b in zip(p, y):
        w[a, b] += 1
    r, c = linear_sum_assignment(-w)
    return w[r, c].sum() / len(y)


def main():
    path, k = sys.argv[1], int(sys.argv[2])
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    texts = [r["text"] for r in rows] * repeat
    labels = sorted({r["label"] for r in rows})
    y = np.array([labels.index(r["label"]) for r in rows] * repeat)
    out = []
    for s in range(seeds):
        t = time.time()
        x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
        z = normalize(TruncatedSVD(100, random_state=s).fit_transform(x))
        p = KMeans(k, n_init=10, random_state=s).fit_predict(z)
        dt = time.time() - t
        out.append((100 * normalized_mutual_info_score(y, p), 100 * adjusted_rand_score(y, p), 100 * acc(y, p), dt))
    m = np.mean(out, 0)
    sd = np.std(out, 0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{path} k={k} rows={len(texts)} NMI {m[0]:.1f}±{sd[0]:.1f} ARI {m[1]:.1f}±{sd[1]:.1f} ACC {m[2]:.1f}±{sd[2]:.1f} time {m[3]:.2f}s peak {peak:.0f} MiB")


main()
