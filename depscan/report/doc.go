// Package report writes a perfwatch-depscan scan (a *scan.Report) for people and
// for machines: Table for terminals (coloured only on a terminal without NO_COLOR),
// Progress for the line a terminal shows while registries are queried, JSON in the
// layout report.schema.json documents, and SARIF 2.1.0 for code-scanning UIs such
// as GitHub's.
//
// Every writer is a pure function of the report: the same report gives the same
// bytes, so outputs can be compared across runs and tested against golden files.
package report
