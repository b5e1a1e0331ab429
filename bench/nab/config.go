package main

import (
	"time"

	"github.com/perfwatch/perfwatch/anomaly/detector"
)

type detectorConfig = detector.Config

// NABConfig is the detector's configuration for the NAB run: the sidecar's
// DefaultConfig with NAB's sampling step (5 minutes) and a daily season of
// hourly buckets, since NAB's series are a few weeks long and, where
// seasonal at all, daily. README.md says what was tuned and how.
func NABConfig() detector.Config {
	c := detector.DefaultConfig()
	c.Step = 5 * time.Minute
	c.Season = 24 * time.Hour
	c.MinHistory = 24 * time.Hour
	return c
}
