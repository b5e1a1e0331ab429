// Package osv loads OSV advisories (https://ossf.github.io/osv-schema/) offline
// and matches packages against them.
//
// # Loading
//
// LoadDir reads every *.json entry and every *.zip export under a directory,
// which covers a plain directory of entries (golang.org/x/vulndb's data, an
// unzipped export), the per-ecosystem all.zip files, and osv-scanner's
// --local-db-path layout (<dir>/osv-scalibr/<Ecosystem>/all.zip in v2, osv-scanner/ in v1), so both tools
// can share one download. LoadZip reads a single all.zip. A malformed entry,
// an entry larger than MaxEntryBytes, an unreadable zip member or a range with
// an unparsable bound is recorded as a Problem (file, zip member, id) and
// skipped: one bad entry among hundreds of thousands must not stop a scan.
// When the same id appears twice, the copy with the later modified time wins.
//
// # Evaluation
//
// Match follows the spec's IsVulnerable pseudocode for each affected[] entry
// whose package is pkg's: the ecosystem compared without a release suffix
// ("Debian:11" is Debian) and the name normalised by NormalizeName (PEP 503
// for PyPI; npm names and Go module paths as they are; Go's "stdlib" and
// "toolchain" apart, as OSV's Go database and govulncheck keep them).
//
//   - versions: pkg's version equal to a listed one, as a string or as
//     parsed versions (PyPI's 1.0 and 1.0.0 are the same release).
//   - ranges: a range applies only if the version is below one of its limit
//     events (limit "*", or no limit at all, bounds nothing). Its other events
//     are sorted in the ecosystem's order (introduced "0" first); walking them,
//     introduced at or below the version makes it vulnerable, fixed at or below
//     the version and last_affected below it make it not vulnerable.
//
// SEMVER ranges use SemVer 2.0.0; ECOSYSTEM ranges use the ecosystem's own
// ordering from depscan/version (SemVer for npm, Go's semver with pseudo-
// versions as pre-releases, PEP 440 for PyPI). GIT ranges are skipped, since
// they need the repository's commit graph, which a lockfile scan does not
// have; so are ECOSYSTEM ranges of ecosystems without an ordering here, whose
// versions lists still match. Withdrawn entries are loaded (DB.Get finds
// them) but never matched: their publisher says they are wrong.
//
// # Aliases
//
// Databases republish each other's entries under their own ids (GO-2022-0969,
// GHSA-69cg-p879-7622 and CVE-2022-27664 are one HTTP/2 flaw). Matching
// entries that share any id or alias, directly or through another entry, are
// merged into one Finding. Its ID is the one the ecosystem's own database uses
// (GO- for Go, PYSEC- for PyPI, GHSA- for npm), else a GHSA id, else any
// non-CVE id, else the CVE; the rest are its Aliases. Severities and
// references are the union of the merged entries', as given.
package osv
