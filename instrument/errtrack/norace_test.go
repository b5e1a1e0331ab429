//go:build !race

package errtrack_test

const raceEnabled = false
