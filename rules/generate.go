// Package rules holds perfwatch's Prometheus rules: rules/config.yml, the rule files
// generated from it (perfwatch-*.rules.yml, which Prometheus loads), and their promtool
// tests in tests/. Its tests fail when the committed files are stale.
package rules

//go:generate go run ./gen --config.file=config.yml --output.dir=.
