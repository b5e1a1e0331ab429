#!/bin/sh
# nab.sh: score the anomaly sidecar's default univariate detector on the NAB
# subset (issue #15). Runs bench/nab (causal, streaming) and then nabscore.py,
# and prints the standard profile, the other two profiles and, at the
# corpus-wide standard threshold, each family.
#
#   scripts/nab.sh [NAB_ROOT [OUT_DIR [extra bench/nab flags...]]]
#
# NAB_ROOT defaults to ../shared/nab, OUT_DIR to a new temporary directory.
# -detector windowedGaussian as an extra flag scores NAB's reference detector.
set -eu
nab=${1:-../shared/nab}
out=${2:-$(mktemp -d)}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
go run ./bench/nab -nab "$nab" -out "$out" "$@"
python3 "$nab/nabscore.py" "$out" --nab "$nab" --per-file --json "$out/summary.json" > "$out/score.txt"
sed -n '1,6p' "$out/score.txt"
python3 - "$out/summary.json" "$out/thresholds.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
json.dump({"perfwatch": {p: {"threshold": d["threshold"]} for p, d in s["profiles"].items()}},
          open(sys.argv[2], "w"))
PY
echo
echo "per family, at the corpus-wide thresholds (NAB score n/a without windows):"
printf '  %-24s %9s %9s %9s %9s %8s %8s\n' family standard low_FP low_FN raw windows FP_rows
for fam in artificialNoAnomaly artificialWithAnomaly realAdExchange realTraffic realTweets; do
	[ -d "$out/$fam" ] || continue
	python3 "$nab/nabscore.py" "$out/$fam" --nab "$nab" --thresholds "$out/thresholds.json" \
		--detector perfwatch --json "$out/$fam.json" > /dev/null 2>&1 || rm -f "$out/$fam.json"
	python3 - "$out/$fam.json" "$fam" "$out/score.txt" <<'PY'
import json, os, re, sys
path, fam, txt = sys.argv[1:4]
cells = ["%9s" % "n/a"] * 3
if os.path.exists(path):
    s = json.load(open(path))["profiles"]
    cells = ["%9.2f" % s[p]["score"] for p in ("standard", "reward_low_FP_rate", "reward_low_FN_rate")]
raw = det = win = fp = 0
for line in open(txt):
    m = re.match(r"\s+%s/\S+\s+(\S+)\s+windows (\d+)/(\d+)\s+FP rows (\d+)" % fam, line)
    if m:
        raw += float(m.group(1)); det += int(m.group(2)); win += int(m.group(3)); fp += int(m.group(4))
print("  %-24s %s %9.3f %8s %8d" % (fam, " ".join(cells), raw, "%d/%d" % (det, win), fp))
PY
done
echo
echo "per-file raw scores: $out/score.txt"
