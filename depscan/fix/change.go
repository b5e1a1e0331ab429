package fix

import (
	"fmt"
	"strings"
)

// Change is one edit a fix made, or one it suggests and leaves to the user.
type Change struct {
	// File is the manifest's path as given.
	File string `json:"file"`
	// Package is the module, PyPI or npm name; "toolchain" for a Go module's
	// toolchain line, which decides the standard library.
	Package string `json:"package"`
	// From and To are the versions before and after; To is empty when no fixed
	// version is known.
	From string `json:"from"`
	To   string `json:"to,omitempty"`
	// Fixes are the advisories the change removes (or would).
	Fixes []string `json:"fixes"`
	// Applied is true when the new contents hold the change; a false one is a
	// suggestion, and Note says why it was not made.
	Applied bool   `json:"applied"`
	Note    string `json:"note,omitempty"`
}

// String describes c in one line for the terminal.
func (c Change) String() string {
	var b strings.Builder
	from := c.From
	if from == "" {
		from = "(unpinned)"
	}
	if c.Applied {
		fmt.Fprintf(&b, "%s: %s %s -> %s", c.File, c.Package, from, c.To)
	} else if c.To != "" {
		fmt.Fprintf(&b, "%s: %s %s -> %s not applied", c.File, c.Package, from, c.To)
	} else {
		fmt.Fprintf(&b, "%s: %s %s not fixable", c.File, c.Package, from)
	}
	if len(c.Fixes) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(c.Fixes, ", "))
	}
	if c.Note != "" {
		b.WriteString(": " + c.Note)
	}
	return b.String()
}
