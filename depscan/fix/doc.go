// Package fix computes the edits that remove a scan's vulnerabilities from a
// project's manifests: a go.mod's requirements raised to their fixed versions
// (through golang.org/x/mod/modfile), a requirements.txt's pins raised, and for
// npm the commands to run, since npm owns its lockfile. Nothing is written to
// disk here: each function returns the new contents and the Changes, and Unified
// shows them as a diff for a dry run.
//
// After a go.mod is written, go.sum lacks the new versions' hashes and other
// modules may need raising with them (minimal version selection): run
// "go mod tidy". The fix does not run it, since that means running the go command
// and reaching the network from a scanner's --fix; the command says so.
package fix
