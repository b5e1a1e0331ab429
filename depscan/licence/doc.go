// Package licence finds the licences of perfwatch-depscan's dependencies and
// judges them by a policy (issue #16).
//
// A licence is an SPDX licence expression (SPDX specification 2.3, Annex D).
// For a Go module it is detected from the licence files at the root of the
// module's directory in the module cache with github.com/google/licensecheck
// (GoModule); for npm and PyPI packages it is what the package declares,
// brought to canonical SPDX form by Normalize, which also reads npm's legacy
// forms, trove classifiers and unambiguous free-text names. SPDX ids, their
// case and the deprecated ones come from github.com/github/go-spdx's licence
// list; the expression parser is this package's, because go-spdx's keeps its
// tree private and Evaluate needs it.
//
// A Policy (LoadPolicy, DefaultPolicy) lists licences to allow, review and
// deny, with per-project additions and packages to ignore; Evaluate gives a
// health.Licence verdict: OR takes the best alternative, AND the worst term, a
// licence on no list is to review, and a missing or unreadable licence is
// unknown (reported, not passed) unless the policy says review or deny.
package licence
