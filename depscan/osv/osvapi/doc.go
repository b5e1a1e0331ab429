// Package osvapi is the online mode of depscan's advisory lookup: it asks the OSV
// API (https://google.github.io/osv.dev/api/) which advisories affect a project's
// packages and builds an osv.DB of them, so matching, alias merging and the
// minimal fix are computed by depscan/osv exactly as offline.
//
// A query costs ceil(n/1000) POST /v1/querybatch requests for n distinct
// (ecosystem, name, version) triples (the API's limit is 1000 queries per batch),
// plus one more batch for each round of results the API pages (next_page_token:
// the query is sent again with page_token), plus one GET /v1/vulns/{id} per
// distinct advisory id not already in the Cache under the modified time the batch
// reported. Packages without a version are not asked about: the API would answer
// with every advisory of the package.
//
// Names are sent as the lockfile parsers give them, which are OSV's: Go module
// paths, Go's "stdlib" and "toolchain" pseudo-packages (OSV's names for the standard
// library and the go command), PEP 503-normalised PyPI names, npm names with their
// scope. Go versions are sent without their leading "v" ("1.22.3"), as osv-scanner
// sends them.
//
// Requests time out (Client.Timeout each), and failures that may pass (a transport
// error, 429, 5xx) are retried with exponential backoff, honouring Retry-After;
// other 4xx answers are not retried. Every error names the method and URL.
package osvapi
