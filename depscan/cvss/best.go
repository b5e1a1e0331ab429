package cvss

// Best rates an advisory that carries several vectors (OSV's severity list, merged
// aliases): the newest CVSS version wins, and among vectors of that version the
// highest score. It returns the chosen score and vector, and false when no vector
// scores (none given, all v2 or malformed), so the caller falls back to the
// database's own severity.
//
// A newer version wins even when it scores lower because it is the publisher's
// later assessment with a finer scale (v4.0 adds attack requirements and splits the
// impact on the vulnerable and on subsequent systems), and NVD and GitHub both
// show the v4.0 score first when an advisory has one. Within a version the highest
// wins: two sources scoring the same flaw differently are not resolved by
// guessing, and a scanner should not under-report.
func Best(vectors []string) (Score, string, bool) {
	var best Score
	var vector string
	found := false
	for _, v := range vectors {
		s, err := Parse(v)
		if err != nil {
			continue
		}
		if !found || versionRank(s.Version) > versionRank(best.Version) ||
			(s.Version == best.Version && s.Base > best.Base) {
			best, vector, found = s, v, true
		}
	}
	return best, vector, found
}

// versionRank orders the versions Parse scores, oldest first.
func versionRank(v string) int {
	switch v {
	case "3.0":
		return 1
	case "3.1":
		return 2
	case "4.0":
		return 3
	}
	return 0
}
