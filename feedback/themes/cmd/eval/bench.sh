#!/usr/bin/env bash
# Times `vosbot themes cluster --k 20` and the scikit-learn pipeline of
# ../shared/eval/README.md (TF-IDF, TruncatedSVD(100), KMeans(n_init=10)) on the same
# rows: 3,080 (BANKING77), 6,000 (StackOverflow) and 10,000 and 50,000 (StackOverflow
# repeated). Prints wall seconds and peak resident memory of each. Needs Debian's
# python3-sklearn (/usr/bin/python3) and GNU time.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
eval_dir=${EVAL_DIR:-../shared/eval}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/vosbot" ./cmd/vosbot
cp "$eval_dir/banking77-test.csv" "$tmp/3080.csv"
cp "$eval_dir/stackoverflow-test.csv" "$tmp/6000.csv"
set +o pipefail # head closes the pipe early on purpose
for n in 10000 50000; do
  { head -1 "$eval_dir/stackoverflow-test.csv"
    for _ in $(seq $((n / 6000 + 1))); do tail -n +2 "$eval_dir/stackoverflow-test.csv"; done | head -n "$n"
  } >"$tmp/$n.csv"
done
set -o pipefail
printf '%-7s %-8s %9s %10s\n' rows engine seconds peak_MiB
for n in 3080 6000 10000 50000; do
  /usr/bin/time -f '%e %M' -o "$tmp/t" env VOS_LOG_LEVEL=error \
    "$tmp/vosbot" themes cluster --k 20 --input "$tmp/$n.csv" >/dev/null
  read -r s kb <"$tmp/t"
  printf '%-7s %-8s %9s %10d\n' "$n" vosbot "$s" $((kb / 1024))
  /usr/bin/time -f '%e %M' -o "$tmp/t" /usr/bin/python3 - "$tmp/$n.csv" <<'PY' >/dev/null
import csv, sys
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
texts = [r["text"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))]
x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
z = normalize(TruncatedSVD(100, random_state=0).fit_transform(x))
KMeans(20, n_init=10, random_state=0).fit_predict(z)
PY
  read -r s kb <"$tmp/t"
  printf '%-7s %-8s %9s %10d\n' "$n" sklearn "$s" $((kb / 1024))
done
