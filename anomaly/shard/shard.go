// Package shard splits the series of the anomaly sidecar between n replicas,
// so that each replica started with --shard=i/n fits and scores a disjoint part
// and the n replicas together cover every series exactly once.
//
// Shards are numbered from 1, as in Jest's, Playwright's and GitLab CI's
// "--shard=1/2": the two replicas of a pair run with --shard=1/2 and
// --shard=2/2. "1/1" (and the zero Shard) owns every series.
//
// The owner of a series depends only on its label set and n, never on map
// order, process, platform or start time:
//
//  1. fp is the series' Prometheus fingerprint, model.LabelSet.Fingerprint():
//     64-bit FNV-1a over the label names sorted by byte value, each name and
//     each value followed by the byte 0xff (the empty set hashes to the FNV
//     offset basis, 14695981039346656037). The sidecar passes the labels a
//     query returns without __name__ for a query's series, and {job, http_route}
//     for a route's models, so a route's series by job and http_route and its
//     models share a replica.
//  2. The owner is 1 + JumpHash(fp, n), where JumpHash is the jump consistent
//     hash of Lamping and Veach ("A Fast, Minimal Memory, Consistent Hash
//     Algorithm", 2014), exactly as written in [JumpHash].
//
// Jump hashing balances the series evenly and, when n grows to n+1, moves only
// about 1/(n+1) of them (all to the new replica), so most replicas keep the
// models they have stored. Owner reports the owner, for a debug page or a
// script that checks a deployment.
package shard

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
)

// MaxCount bounds n in "i/n"; it is far above any sensible number of replicas
// and keeps JumpHash's loop (about ln n rounds) short.
const MaxCount = 1 << 16

// Shard is replica Index of Count, 1 ≤ Index ≤ Count. The zero value means
// "1/1", one replica that owns every series.
type Shard struct {
	Index, Count int
}

// Parse reads "i/n" with 1 ≤ i ≤ n ≤ MaxCount, in decimal, without spaces or
// signs; "1/2" is the first of two replicas.
func Parse(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want i/n, such as 1/2", s)
	}
	i, err := parseCount(is)
	if err != nil {
		return Shard{}, fmt.Errorf("shard %q: index: %w", s, err)
	}
	n, err := parseCount(ns)
	if err != nil {
		return Shard{}, fmt.Errorf("shard %q: count: %w", s, err)
	}
	if i < 1 || i > n {
		return Shard{}, fmt.Errorf("shard %q: index must be between 1 and %d (shards count from 1)", s, n)
	}
	return Shard{Index: i, Count: n}, nil
}

// parseCount accepts only plain decimal digits, so "+1", " 1" and "0x1" are
// refused rather than read in some surprising way.
func parseCount(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	v, err := strconv.Atoi(s)
	if err != nil || v > MaxCount {
		return 0, fmt.Errorf("%q is not a number between 1 and %d", s, MaxCount)
	}
	if v < 1 {
		return 0, fmt.Errorf("%q: must be at least 1", s)
	}
	return v, nil
}

// String formats the shard as Parse reads it; the zero Shard is "1/1".
func (s Shard) String() string {
	i, n := s.norm()
	return strconv.Itoa(i) + "/" + strconv.Itoa(n)
}

// norm maps the zero Shard to 1/1.
func (s Shard) norm() (index, count int) {
	if s.Count <= 0 {
		return 1, 1
	}
	return s.Index, s.Count
}

// Owner is the 1-based index of the replica, among this shard's Count, that
// owns the series with label set ls.
func (s Shard) Owner(ls model.LabelSet) int {
	_, n := s.norm()
	return 1 + JumpHash(uint64(ls.Fingerprint()), n)
}

// Owns reports whether this replica owns the series with label set ls.
func (s Shard) Owns(ls model.LabelSet) bool {
	return s.OwnsFingerprint(ls.Fingerprint())
}

// OwnsFingerprint is Owns for a series whose fingerprint
// (model.LabelSet.Fingerprint or model.Metric.Fingerprint, which agree) is
// already known.
func (s Shard) OwnsFingerprint(fp model.Fingerprint) bool {
	i, n := s.norm()
	return 1+JumpHash(uint64(fp), n) == i
}

// JumpHash maps key to a bucket in [0, n) with Lamping and Veach's jump
// consistent hash; n < 1 is treated as 1. The float64 arithmetic is exact
// IEEE 754 (one division, one multiplication, nothing Go may fuse), so the
// result is the same on every platform.
func JumpHash(key uint64, n int) int {
	if n < 1 {
		n = 1
	}
	b, j := int64(-1), int64(0)
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}
