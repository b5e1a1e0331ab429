// first-v4.js scores CVSS v4.0 vectors with FIRST's calculator, so that the Go
// tests compare with the reference implementation rather than with the code under
// test. The calculator is maintained by FIRST and Red Hat at
// https://github.com/RedHatProductSecurity/cvss-v4-calculator; the files here were
// made from its commit d1eafe0 (November 2024, with the fix for rounding errors):
//
//   node first-v4.js CALCULATOR_DIR base | gzip -9n > first-v4-base.txt.gz
//   node first-v4.js CALCULATOR_DIR sample 2000 20240611 | gzip -9n > first-v4-sample.txt.gz
//
// "base" prints the score of every base-only vector, one per line, in the order of
// the values in baseOrder (the same loops as enumerateBase in v4_test.go);
// "sample" prints N pseudo-random vectors with threat, environmental and
// supplemental metrics and their scores, "vector<TAB>score".
const path = require("path");
const { CVSS40, Vector } = require(path.resolve(process.argv[2], "cvss40.js"));

const baseOrder = [
  ["AV", "NALP"], ["AC", "LH"], ["AT", "NP"], ["PR", "NLH"], ["UI", "NPA"],
  ["VC", "HLN"], ["VI", "HLN"], ["VA", "HLN"], ["SC", "HLN"], ["SI", "HLN"], ["SA", "HLN"],
];

const score = (vector) => new CVSS40(vector).score.toFixed(1);

if (process.argv[3] === "base") {
  const out = [];
  const walk = (i, parts) => {
    if (i === baseOrder.length) {
      out.push(score("CVSS:4.0/" + parts.join("/")));
      return;
    }
    for (const v of baseOrder[i][1]) walk(i + 1, [...parts, baseOrder[i][0] + ":" + v]);
  };
  walk(0, []);
  process.stdout.write(out.join("\n") + "\n");
} else if (process.argv[3] === "sample") {
  const n = Number(process.argv[4]);
  let seed = Number(process.argv[5]) >>> 0;
  // xorshift32: a reproducible sample without a dependency.
  const rnd = (k) => {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return seed % k;
  };
  const lines = [];
  for (let j = 0; j < n; j++) {
    const parts = [];
    for (const [k, vals] of Object.entries(Vector.ALL_METRICS)) {
      const v = vals[rnd(vals.length)];
      // Optional metrics are left out half the time, as real vectors do.
      if (v === "X" || (!(k in Vector.METRICS.BASE) && rnd(2) === 0)) continue;
      parts.push(k + ":" + v);
    }
    const vec = "CVSS:4.0/" + parts.join("/");
    lines.push(vec + "\t" + score(vec));
  }
  process.stdout.write(lines.join("\n") + "\n");
}
