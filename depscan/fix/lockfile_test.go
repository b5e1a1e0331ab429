package fix

import "github.com/perfwatch/perfwatch/depscan/lockfile"

// lockfileParsers is depscan/lockfile's list, the scan's own reading of each
// format, against which the fixes' results are checked.
func lockfileParsers() []lockfile.Parser { return lockfile.Parsers() }
