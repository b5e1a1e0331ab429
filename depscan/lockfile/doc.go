// Package lockfile reads the lockfiles and manifests perfwatch-depscan scans and
// returns the packages they name as depscan.Package values (issue #16).
//
// Each format has one parser, a Parser value listed by Parsers; Walk finds the
// files in a directory tree and groups them into projects, one per directory.
// Parse errors are *ParseError values naming file and line; things worth
// telling that are not failures (a skipped entry) are Notes.
//
// Formats, and what Direct and Dev mean in each:
//
// go.mod, read through golang.org/x/mod/modfile. Each require is a package;
// Direct is false for "// indirect". A replace directive applies as the go
// command applies it (an exact-version replace wins over a path-wide one): a
// module replacement is reported under the replacement's path and version, a
// directory replacement is skipped with a Note, since the code is local and
// has no version to look advisories up by. The module's own line is not a
// package. The go and toolchain lines give two pseudo-packages, "stdlib" and
// "toolchain" (Direct), as govulncheck and OSV's Go database name the standard
// library and the go command, versioned "v"+ the toolchain line's version, or
// the go line's when there is no toolchain line ("go 1.22" is "v1.22.0"): the
// least Go that builds the module, so an advisory fixed later applies.
//
// go.sum. Minimal version selection needs the go.mod of every dependency,
// which a scan without network access does not have. Since go 1.17 a module's
// go.mod lists every module that provides a package to its build (module
// graph pruning), so for go >= 1.17 go.mod's requires are complete and go.sum
// is not read. For an older go line (or none, which the go command reads as
// 1.16) the go.sum beside go.mod adds the modules go.mod does not name, each
// at the highest version go.sum holds a full hash for (a "/go.mod"-only line
// means the version was consulted for the graph but never built). That
// highest version is the one most likely selected: go.sum keeps hashes of
// versions that lost selection, but those are lower. These are not Direct.
// A go.sum alone (no go.mod in the directory) is read the same way.
//
// requirements.txt, per pip's format: "name==1.2", extras, environment
// markers (not evaluated: the installing interpreter is unknown, so a package
// is reported whatever its marker says), --hash options and backslash
// continuations, comments, -r/--requirement includes relative to the
// including file (a cycle is an error naming the chain; nesting deeper than
// 16 is an error; a file included twice is read once), and -c/--constraint
// files, whose entries are not packages but pin the version of a requirement
// left unpinned. A requirement not pinned to exactly one version with == or
// === (">=1.0", "==1.*", a bare name) has an empty Version. "name @ url" is
// reported without a version and with a Note; -e/--editable and bare URLs or
// paths are skipped with a Note, as they name no released version. Index and
// binary options are ignored, unknown options are errors. The format does
// not tell direct from transitive, so an entry is Direct unless pip-compile
// (or uv pip compile) annotated it "# via" other packages only; one annotated
// "# via -r requirements.in" is Direct. Only files named requirements.txt are
// detected; others are read when included.
//
// poetry.lock. Every [[package]] is reported except local directory and file
// sources (skipped with a Note). Direct means named in the pyproject.toml
// beside the lock ([tool.poetry.dependencies], dev-dependencies and groups,
// [project] dependencies and optional-dependencies, [dependency-groups]);
// without one, nothing is Direct. Dev comes from the lock's category = "dev"
// (lock format 1.x), or from groups not including "main" (Poetry 2), else for
// a direct package from the pyproject group naming it; a transitive package
// of a Poetry 1.2-1.8 lock, which records neither, is not Dev.
//
// Pipfile.lock. Both "default" and "develop" list every package, direct or
// not; Direct means named in [packages] or [dev-packages] of the Pipfile beside
// the lock. Dev is true for "develop" entries; one also in "default" is
// reported once, from "default". Entries without a "==" version (git, path,
// editable) are skipped with a Note.
//
// uv.lock. The project itself and workspace members (editable or virtual
// sources) are not reported; local directory and path sources are skipped
// with a Note; registry, git and URL sources are reported. Direct means a
// dependency (including optional and dev ones) of the project or a member;
// Dev means reachable from the members' dev dependencies but not from their
// dependencies and extras.
//
// Walk does not enter node_modules, vendor, testdata, __pycache__,
// site-packages or hidden directories (.git, .venv, .tox), except as the root
// it is given: they hold copies of dependencies, test fixtures or tooling,
// whose lockfiles are not the project's. It does not follow symbolic
// links, and refuses files over MaxFileSize. It prefers, per ecosystem and
// directory, the highest Parser.Rank: the Python lockfiles (rank 2) over
// requirements.txt (rank 1), which beside a lockfile is usually an export of
// it or a looser list of the same dependencies; go.mod over go.sum. Files of equal rank are all read, so a
// directory holding both poetry.lock and uv.lock reports both.
//
// Libraries: golang.org/x/mod for go.mod (the go command's own parser, so
// every go.mod the toolchain accepts is read as it reads it), its module and
// semver packages for go.sum. For TOML, github.com/BurntSushi/toml over
// github.com/pelletier/go-toml/v2 (both MIT and maintained): on a 2 KiB
// uv.lock pelletier decodes about 9 times faster (17 µs against 150 µs), but
// even a large lockfile takes milliseconds either way, and BurntSushi reports
// the line of type errors ("name = 3" where a string belongs) as well as of
// syntax errors, where pelletier names no position for type errors: errors
// with file and line are what the issue asks for.
package lockfile
