package osv

// FromEntries builds a database from entries already decoded, such as those an OSV
// API returned; an entry without an id is recorded as a Problem and skipped, and of
// two copies of an id the one modified later is kept, as when loading files.
func FromEntries(vulns []*Vulnerability) *DB {
	l := newLoader()
	for _, v := range vulns {
		if v == nil || v.ID == "" {
			l.problem("", "", "", errNoID)
			continue
		}
		l.keep(v, "", "")
	}
	return l.build()
}
