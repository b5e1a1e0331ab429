// Package registry asks the package registries what they say of each dependency:
// the latest version and when it was released, when the used version was, whether
// the package or version is deprecated, yanked or retracted, and its declared
// licence. perfwatch-depscan reports from it how far behind ("outdated": patch,
// minor, major) and how old each dependency is (issue #16, docs/depscan.md).
//
// Three registries are read:
//
//   - the Go module proxy (https://go.dev/ref/mod#goproxy-protocol): $module/@v/list,
//     @latest when the list is empty, .info for release times and the .mod of the
//     highest version for the module's "// Deprecated:" comment and its retract
//     directives, as the go command reads them. GOPROXY's list syntax is honoured
//     (a comma falls through to the next entry on 404 or 410 only, a pipe on any
//     error; "off" is offline; "direct" needs a version control client, which a scan
//     does not run, so a module only "direct" could serve is reported unknown), and
//     modules matching GOPRIVATE (or GONOPROXY) patterns are not looked up at all.
//     The stdlib and toolchain pseudo-packages are answered from golang.org/toolchain.
//   - the npm registry: the full package document (the abbreviated install document
//     has no "time"), of which only dist-tags.latest, time and each version's
//     deprecated and license fields are decoded and cached.
//   - PyPI's JSON API (/pypi/<name>/json): releases with their upload times and
//     PEP 592 yanks, and the latest release's licence (PEP 639 License-Expression,
//     else License, else the "License ::" classifiers).
//
// Requests are made once per distinct package however many projects use it, at
// most Options.Concurrency packages at a time, each request with a timeout and
// retried with backoff on 5xx and 429 (honouring Retry-After). Answers are cached
// on disk, one small JSON file per package, for Options.TTL. A registry that cannot
// be reached does not fail the lookup: its packages get a stale cached answer when
// there is one (marked Stale), else an Err saying the registry is unreachable, and
// the other registries' answers stand.
package registry
