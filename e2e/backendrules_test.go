package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/rules/rulegen"
)

// backendAdapters are the adapters TestBackends switches on, as docs/backends.md tells
// a Django and a Node team to (sources.<name>.enabled: true in rules/config.yml).
var backendAdapters = []string{rulegen.SourceDjangoPrometheus, rulegen.SourceOTelStable, rulegen.SourceOTelLegacy}

// backendRuleFiles generates perfwatch's rules for TestBackends at test time: the
// test profile of rules/config.yml with backendAdapters switched on, through the
// generator's API (docs/backends.md: the same as `go run ./rules/gen --profile=test
// --source=…`, validated like the file's own switches). It also says what it used.
func backendRuleFiles(t *testing.T) (map[string][]byte, string) {
	t.Helper()
	rc, err := rulegen.Load("../rules/config.yml")
	if err != nil {
		t.Fatal(err)
	}
	rc, err = rc.WithSources(backendAdapters...)
	if err != nil {
		t.Fatal(err)
	}
	files, err := rc.WithTestProfile().RuleFiles()
	if err != nil {
		t.Fatal(err)
	}
	// Each adapter is a rule group of its own (rules/config.yml's sources comment).
	var all []byte
	for _, f := range files {
		all = append(all, f...)
	}
	for _, a := range backendAdapters {
		if group := "perfwatch-sources-" + a + ".rules"; !bytes.Contains(all, []byte(group)) {
			t.Fatalf("switching on source %s generated no group %s", a, group)
		}
	}
	return files, fmt.Sprintf("rules/config.yml, test profile, with sources %s switched on (rulegen WithSources)", strings.Join(backendAdapters, ", "))
}
