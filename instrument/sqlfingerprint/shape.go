package sqlfingerprint

// A Shape is all perfwatch keeps of a SQL statement: its fingerprint (the statement
// with every literal and placeholder replaced by ?, comments dropped, whitespace and
// keyword case folded), its operation and its main table. None of them can contain a
// value from the statement.
type Shape struct {
	Fingerprint string
	Operation   string // an SQL operation keyword in upper case, or OperationOther
	Table       string // "" when no main table was found
}

// Summary is the statement's db_query_summary: the operation and its main table
// ("SELECT vault_items"), as OpenTelemetry suggests, or the operation alone.
func (s Shape) Summary() string {
	if s.Table == "" {
		return s.Operation
	}
	return s.Operation + " " + s.Table
}

// Fingerprint computes the shape of query as database systems of dialect d lex it.
// It is pure and safe for concurrent use; callers that see the same statements again
// keep a cache in front of it.
func Fingerprint(d Dialect, query string) Shape {
	return shape(rulesOf(d), query)
}
