//go:build race

package errtrack_test

const raceEnabled = true
