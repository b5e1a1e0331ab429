// Command gen writes perfwatch's rule files and their promtool tests from
// rules/config.yml. `go generate ./rules` runs it; `--profile=test` writes the
// end-to-end test's fast profile instead (rule files only); `--source=NAME` switches an
// adapter on besides those config.yml switches on.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/alecthomas/kingpin/v2"

	"github.com/perfwatch/perfwatch/rules/rulegen"
)

func main() {
	app := kingpin.New("gen", "Generate perfwatch's Prometheus rules and promtool tests from their configuration.")
	configFile := app.Flag("config.file", "Rules configuration file.").Default("config.yml").String()
	outputDir := app.Flag("output.dir", "Directory to write the rule files to (tests go to its tests/).").Default(".").String()
	profile := app.Flag("profile", "production: rules and tests; test: the end-to-end profile's rules only.").Default("production").Enum("production", "test")
	sources := app.Flag("source", "Switch on this source's adapter besides those config.yml switches on (repeatable): "+strings.Join(rulegen.SourceNames, ", ")+".").Strings()
	kingpin.MustParse(app.Parse(os.Args[1:]))
	if err := run(*configFile, *outputDir, *profile, *sources); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(configFile, outputDir, profile string, sources []string) error {
	c, err := rulegen.Load(configFile)
	if err != nil {
		return err
	}
	if len(sources) > 0 {
		if c, err = c.WithSources(sources...); err != nil {
			return fmt.Errorf("%s: %w", configFile, err)
		}
	}
	var files map[string][]byte
	if profile == "test" {
		files, err = c.WithTestProfile().RuleFiles()
	} else {
		files, err = c.Files()
	}
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		path := filepath.Join(outputDir, n)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, files[n], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}
