package cvss

import (
	"slices"
	"strings"
)

// Metric levels: a metric value's severity distance, in steps of 0.1, from the most
// severe value (specification section 8.2). Lower is more severe.
const (
	avN, avA, avL, avP     int8 = 0, 1, 2, 3
	prN, prL, prH          int8 = 0, 1, 2
	uiN, uiP, uiA          int8 = 0, 1, 2
	acL, acH               int8 = 0, 1
	atN, atP               int8 = 0, 1
	ciaH, ciaL, ciaN       int8 = 0, 1, 2    // VC, VI, VA
	subS, subH, subL, subN int8 = 0, 1, 2, 3 // SC, SI, SA; only SI and SA reach S, through MSI and MSA
	reqH, reqM, reqL       int8 = 0, 1, 2    // CR, IR, AR
)

// level returns the position of v in scale, whose values are in order of severity.
func level(scale, v string) int8 { return int8(strings.Index(scale, v)) }

// v4Levels are a vector's effective metric levels: environmental modifications
// applied, and E, CR, IR and AR defaulting to their worst values (A and H) when not
// defined, as section 8.2 says.
type v4Levels struct {
	av, pr, ui, ac, at, vc, vi, va, sc, si, sa, cr, ir, ar, e int8
}

func effective(vals *v4Values) v4Levels {
	mod := func(base, modified int) string {
		if vals[modified] != "X" {
			return vals[modified]
		}
		return vals[base]
	}
	def := func(i int, worst string) string {
		if vals[i] == "X" {
			return worst
		}
		return vals[i]
	}
	return v4Levels{
		av: level("NALP", mod(iAV, iMAV)), pr: level("NLH", mod(iPR, iMPR)), ui: level("NPA", mod(iUI, iMUI)),
		ac: level("LH", mod(iAC, iMAC)), at: level("NP", mod(iAT, iMAT)),
		vc: level("HLN", mod(iVC, iMVC)), vi: level("HLN", mod(iVI, iMVI)), va: level("HLN", mod(iVA, iMVA)),
		sc: level("SHLN", mod(iSC, iMSC)), si: level("SHLN", mod(iSI, iMSI)), sa: level("SHLN", mod(iSA, iMSA)),
		cr: level("HML", def(iCR, "H")), ir: level("HML", def(iIR, "H")), ar: level("HML", def(iAR, "H")),
		e: level("APU", def(iE, "A")),
	}
}

// classes returns the vector's macro vector: its level in each of the six
// equivalence classes of section 8.1.
func (l v4Levels) classes() [6]int {
	var eq [6]int
	switch {
	case l.av == avN && l.pr == prN && l.ui == uiN:
		eq[0] = 0
	case (l.av == avN || l.pr == prN || l.ui == uiN) && l.av != avP:
		eq[0] = 1
	default:
		eq[0] = 2
	}
	if l.ac != acL || l.at != atN {
		eq[1] = 1
	}
	switch {
	case l.vc == ciaH && l.vi == ciaH:
		eq[2] = 0
	case l.vc == ciaH || l.vi == ciaH || l.va == ciaH:
		eq[2] = 1
	default:
		eq[2] = 2
	}
	switch {
	case l.si == subS || l.sa == subS:
		eq[3] = 0
	case l.sc == subH || l.si == subH || l.sa == subH:
		eq[3] = 1
	default:
		eq[3] = 2
	}
	eq[4] = int(l.e)
	if !(l.cr == reqH && l.vc == ciaH || l.ir == reqH && l.vi == ciaH || l.ar == reqH && l.va == ciaH) {
		eq[5] = 1
	}
	return eq
}

// lookup returns the score in tenths of a macro vector, and false when the
// combination of levels does not exist.
func lookup(eq [6]int) (int, bool) {
	var key [6]byte
	for i, l := range eq {
		key[i] = byte('0' + l)
	}
	s, ok := v4Lookup[string(key[:])]
	return s, ok
}

// scoreV4 is section 8.2's score in tenths: the score of the vector's macro vector,
// lowered by the mean over the equivalence classes that have a lower macro vector
// of the score difference to it, each weighted by how far the vector lies from its
// class's highest-severity vector relative to the class's depth. The arithmetic is
// done on integers (scores in tenths, distances in steps) and the one division
// rounds half up exactly: floating point puts some x.x5 results just below the half
// (FIRST's calculator adds 1e-6 before rounding for this reason).
func scoreV4(vals *v4Values) int {
	l := effective(vals)
	if l.vc == ciaN && l.vi == ciaN && l.va == ciaN && l.sc == subN && l.si == subN && l.sa == subN {
		return 0
	}
	eq := l.classes()
	value, _ := lookup(eq)

	lower := func(i int) (int, bool) {
		next := eq
		next[i]++
		return lookup(next)
	}
	var lowerScores [5]int
	var exists [5]bool
	lowerScores[0], exists[0] = lower(0)
	lowerScores[1], exists[1] = lower(1)
	// EQ3 and EQ6 step down together: 00 to the higher of 01 and 10, 01 and 10 to
	// 11, 11 to 21; 21 is the lowest.
	switch eq36 := [2]int{eq[2], eq[5]}; eq36 {
	case [2]int{0, 0}:
		left, okL := lower(5)
		right, okR := lower(2)
		lowerScores[2], exists[2] = max(left, right), okL && okR
	case [2]int{0, 1}, [2]int{1, 1}:
		lowerScores[2], exists[2] = lower(2)
	case [2]int{1, 0}:
		lowerScores[2], exists[2] = lower(5)
	}
	lowerScores[3], exists[3] = lower(3)
	lowerScores[4], exists[4] = lower(4)

	// The distance of the vector from the first highest-severity vector of its class
	// that it does not exceed; if it exceeds them all, from the last, as FIRST's
	// calculator does (no valid vector does).
	var dist [5]int
	dist[0] = distance(v4Max.eq1[eq[0]], func(m [3]int8) []int8 { return []int8{l.av - m[0], l.pr - m[1], l.ui - m[2]} })
	dist[1] = distance(v4Max.eq2[eq[1]], func(m [2]int8) []int8 { return []int8{l.ac - m[0], l.at - m[1]} })
	dist[2] = distance(v4Max.eq3[eq[2]][eq[5]], func(m [6]int8) []int8 {
		return []int8{l.vc - m[0], l.vi - m[1], l.va - m[2], l.cr - m[3], l.ir - m[4], l.ar - m[5]}
	})
	dist[3] = distance(v4Max.eq4[eq[3]:eq[3]+1], func(m [3]int8) []int8 { return []int8{l.sc - m[0], l.si - m[1], l.sa - m[2]} })
	// EQ5's highest-severity vector is its own E value: its distance is always 0.
	depth := [5]int{v4Depth.eq1[eq[0]], v4Depth.eq2[eq[1]], v4Depth.eq3eq6[eq[2]][eq[5]], v4Depth.eq4[eq[3]], 1}

	// score = value - (Σ (value-lower_i) * dist_i / depth_i) / n, over a common
	// denominator n * Π depth_i.
	prod := 1
	for _, d := range depth {
		prod *= d
	}
	n := 0
	sum := 0
	for i := range 5 {
		if !exists[i] {
			continue
		}
		n++
		sum += (value - lowerScores[i]) * dist[i] * (prod / depth[i])
	}
	if n == 0 {
		return value
	}
	den := n * prod
	num := value*den - sum
	switch {
	case num <= 0:
		return 0
	case num >= 100*den:
		return 100
	}
	return (2*num + den) / (2 * den)
}

// distance returns the summed level differences from the first of maxes the vector
// does not exceed (all differences at least 0), else from the last.
func distance[M any](maxes []M, diff func(M) []int8) int {
	var d []int8
	for _, m := range maxes {
		d = diff(m)
		if !slices.ContainsFunc(d, func(x int8) bool { return x < 0 }) {
			break
		}
	}
	total := 0
	for _, x := range d {
		total += int(x)
	}
	return total
}
