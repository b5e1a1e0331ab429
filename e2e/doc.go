// Package e2e holds perfwatch's end-to-end tests: they start real Prometheus (and, where
// a test needs it, Alertmanager) processes and perfwatch's own binaries on loopback
// ports, and check what a user would see. All tests of the package share one set-up,
// made in TestMain: one Prometheus whose scrape targets, rule files and Alertmanagers
// tests add at run time through file-based discovery.
package e2e
