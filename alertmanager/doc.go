// Package alertmanager holds the notification templates and secret-file examples of
// perfwatch's alertmanager.yml (at the repository root), and the tests that check the
// configuration with amtool: routing per severity, inhibition and the Discord variant.
package alertmanager
