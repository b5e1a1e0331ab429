package errtrack

import "runtime/debug"

// buildRelease returns the main module's version, or its VCS revision for a build from
// a work tree ("(devel)"), or "".
func buildRelease() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	return ""
}
