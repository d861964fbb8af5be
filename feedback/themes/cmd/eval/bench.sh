#!/usr/bin/env bash
# Times `vosbot themes cluster --k K` and the scikit-learn pipeline of
# ../shared/eval/README.md (TF-IDF, TruncatedSVD(100), KMeans(n_init=10)) on the same
# rows: 3,080 (BANKING77), 6,000 (StackOverflow) and 10,000 and 50,000 (StackOverflow
# repeated), each with k = 20 and k = 77. The two are run interleaved, RUNS times
# each, so that other load on the machine falls on both alike; prints the median wall
# seconds, CPU seconds (user + system) and peak resident memory of each, and the load
# average before and after. Needs Debian's python3-sklearn (/usr/bin/python3) and GNU
# time.
#
#	feedback/themes/cmd/eval/bench.sh            # all sizes, k = 20 and 77, 3 runs
#	SIZES="3080" KS="77" RUNS=5 feedback/themes/cmd/eval/bench.sh
#	BEFORE=/tmp/vosbot-main feedback/themes/cmd/eval/bench.sh   # also time another build
set -euo pipefail
cd "$(dirname "$0")/../../../.."
eval_dir=${EVAL_DIR:-../shared/eval}
sizes=${SIZES:-3080 6000 10000 50000}
ks=${KS:-20 77}
runs=${RUNS:-3}
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
cat >"$tmp/sk_pipeline.py" <<'PY'
import csv, sys
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
texts = [r["text"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))]
x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
z = normalize(TruncatedSVD(100, random_state=0).fit_transform(x))
labels = KMeans(int(sys.argv[2]), n_init=10, random_state=0).fit_predict(z)
w = csv.writer(sys.stdout)
w.writerow(["text", "group"])
w.writerows(zip(texts, labels))
PY
# add prints the sum of two decimal numbers (user and system seconds).
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
# median prints the middle of its arguments (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -g | sed -n "$(((${#} + 1) / 2))p"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
printf '%-7s %-3s %-8s %9s %9s %10s\n' rows k engine seconds cpu_s peak_MiB
for n in $sizes; do
  for k in $ks; do
    vs=() vc=() vm=() ss=() sc=() sm=() bs=() bc=() bm=()
    for _ in $(seq "$runs"); do
      if [ -n "${BEFORE:-}" ]; then
        /usr/bin/time -f '%e %U %S %M' -o "$tmp/t" env VOS_LOG_LEVEL=error \
          "$BEFORE" themes cluster --k "$k" --input "$tmp/$n.csv" >"$tmp/out.csv" 2>/dev/null
        read -r s u y kb <"$tmp/t"
        bs+=("$s") bc+=("$(add "$u" "$y")") bm+=($((kb / 1024)))
      fi
      /usr/bin/time -f '%e %U %S %M' -o "$tmp/t" env VOS_LOG_LEVEL=error \
        "$tmp/vosbot" themes cluster --k "$k" --input "$tmp/$n.csv" >"$tmp/out.csv" 2>/dev/null
      read -r s u y kb <"$tmp/t"
      vs+=("$s") vc+=("$(add "$u" "$y")") vm+=($((kb / 1024)))
      /usr/bin/time -f '%e %U %S %M' -o "$tmp/t" /usr/bin/python3 "$tmp/sk_pipeline.py" "$tmp/$n.csv" "$k" >"$tmp/out.csv"
      read -r s u y kb <"$tmp/t"
      ss+=("$s") sc+=("$(add "$u" "$y")") sm+=($((kb / 1024)))
    done
    if [ -n "${BEFORE:-}" ]; then
      printf '%-7s %-3s %-8s %9s %9s %10s\n' "$n" "$k" before "$(median "${bs[@]}")" "$(median "${bc[@]}")" "$(median "${bm[@]}")"
    fi
    printf '%-7s %-3s %-8s %9s %9s %10s\n' "$n" "$k" vosbot "$(median "${vs[@]}")" "$(median "${vc[@]}")" "$(median "${vm[@]}")"
    printf '%-7s %-3s %-8s %9s %9s %10s\n' "$n" "$k" sklearn "$(median "${ss[@]}")" "$(median "${sc[@]}")" "$(median "${sm[@]}")"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
