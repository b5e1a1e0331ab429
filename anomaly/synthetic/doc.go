// Package synthetic is the synthetic benchmark of issue #15: realistic
// 1-minute web metrics with injected anomalies of known extent, a harness
// that streams them through any univariate detector, and an evaluator that
// reports, per injection, whether and how fast it was detected, and how many
// false alarms per day the detector raised elsewhere.
//
// # Traffic
//
// Generate draws, deterministically from a seed (math/rand/v2 with a PCG
// source), several weeks of four series that share one load curve:
//
//   - request rate (req/s): a daily profile times a weekly one, with
//     multiplicative log-normal noise, a slow random wander (day-to-day
//     variation), Poisson counting noise and occasional benign bursts;
//   - p95 latency (ms): log-normal noise, noisier at low traffic (fewer
//     requests behind the quantile), rising mildly with load, with rare
//     slow minutes (GC pauses, slow queries);
//   - error ratio: Poisson error counts over the minute's requests, at a
//     base ratio of about 0.3 % that wanders slowly, with occasional bursts
//     of a few minutes at 1–4 %;
//   - CPU utilisation (%): an idle floor plus a share proportional to load.
//
// All four miss the same scrapes (NaN): isolated ones and a few outages of
// several minutes.
//
// The shapes are calibrated on NAB's realTweets series (Numenta Anomaly
// Benchmark, github.com/numenta/NAB, Twitter_volume_AAPL and _GOOG, 5-minute
// counts, timestamps in UTC, February–April 2015): per hour of day, their
// medians fall to 0.3–0.4 of the peak around 07–09 UTC and peak between 15
// and 18 UTC, with a slow evening decline; weekend days have about 0.55 of a
// weekday's median; the median absolute log change between consecutive
// 5-minute points is 0.23–0.30, more than Poisson noise alone gives, hence
// the extra multiplicative noise. The daily profile below is their hourly
// medians, averaged and rounded; no NAB data is shipped with the package.
//
// # Injections
//
// An Injection changes one series over a window [Start, End) that is the
// exact ground truth: a level shift (a factor or an offset held for the
// window), a spike (the same, for a few minutes), a slow drift (a linear ramp
// from nothing to the full change over the window, then back to normal, as a
// leak fixed by a restart), a seasonal break (the values of Shift earlier:
// the daily peak moves by hours, or a Saturday repeats Friday), and dropped
// traffic (a factor near 0, optionally with samples missing).
//
// # Evaluation
//
// Evaluate takes a detector's per-point scores (NaN where it gave none:
// cold start, missing samples) and a threshold (default 1, vmanomaly's
// convention). A point alarms when its score exceeds the threshold. An
// injection is detected when a point in [Start, End+Grace) alarms; its delay
// is the time from Start to the first such point. False alarms are counted
// as alarm episodes, not points: an episode is a maximal run of alarming
// points (a NaN point neither extends nor ends it, so one missed scrape does
// not split an alarm in two), and it is false when none of its points falls
// in any [Start, End+Grace). False alarms per day divide their number by the
// scored time outside those windows.
//
// # Harness
//
// RunSuite generates each case's traffic, applies its injection, fits a new
// Detector on the first FitDays days and then streams the rest causally,
// one ScoreUpdate per present sample (a missing scrape is not shown to the
// detector at all, as in the sidecar, where it is simply absent from the
// query result; a detector can therefore not see dropped samples, only the
// values that remain). Injection runs stop Options.After (24 h) past their
// window; the clean runs stream all of StreamDays (7).
//
// # The suite
//
// DefaultCases holds the cases of issue #15: clean series of all four
// metrics, level shifts (latency x1.2 to x2, rate x0.5 to x1.5, error ratio
// +1 point, CPU +15 points, for 2 h), spikes (3 min), slow drifts (ramps
// over 3–12 h), seasonal breaks (the daily peak 1, 3 or 6 h late for a day;
// a Saturday that repeats Friday) and dropped traffic (to 10 % or 1 % for
// 30 min, with half or all of the samples missing). Each runs at three
// starts in the third week (peak, night, morning ramp), each with its own
// noise seed, after two weeks of history.
//
// Markdown renders one row per case: windows detected, how many a detector
// raising false alarms at the same rate would "detect" by chance (a
// day-long window is almost always hit by chance, so for seasonal breaks
// the share of the window's points that alarm says more), median and
// maximum delay, the share of points alarming inside the windows and
// outside, and false alarms per day.
//
// TestSuiteBaseline runs the suite on anomaly/baseline with the sidecar's
// settings and prints the tables:
//
//	go test ./anomaly/synthetic -run TestSuiteBaseline -v
package synthetic
