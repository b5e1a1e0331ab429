// Package rulegen generates perfwatch's Prometheus recording and alerting rules, and the
// promtool unit tests that exercise them, from one configuration file (rules/config.yml).
//
// Each rule group is a Section: a Go file that reads its part of the configuration and
// returns recording rules and alert definitions. An alert definition carries its levels
// (one rule per severity, sharing the alert name), its annotations and a Fixture that
// produces input series at a chosen value, from which the promtool tests are written.
// Adding a group means adding a Section and its configuration block; nothing else changes.
package rulegen
