package exporter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ProcessConfig names one watched application process. Exactly one of Comm,
// Cmdline and PIDFile selects the processes; Name becomes the name label.
type ProcessConfig struct {
	// Name is the value of the name label; it comes from configuration
	// only, which is what bounds that label.
	Name string `yaml:"name"`
	// Comm is a regular expression matched against /proc/<pid>/comm
	// (the executable name, at most 15 bytes).
	Comm string `yaml:"comm"`
	// Cmdline is a regular expression matched against the command line,
	// arguments joined with spaces.
	Cmdline string `yaml:"cmdline"`
	// PIDFile is the path of a file holding the process's pid.
	PIDFile string `yaml:"pid_file"`
}

// FileConfig is the layout of --config.file.
type FileConfig struct {
	Processes []ProcessConfig `yaml:"processes"`
}

// LoadConfigFile reads and strictly decodes the YAML configuration: unknown
// keys, a wrong type or an invalid process entry is an error naming the file
// and the line.
func LoadConfigFile(path string) (FileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return FileConfig{}, fmt.Errorf("read config %s: %w", path, err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return FileConfig{}, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes and validates configuration YAML.
func ParseConfig(data []byte) (FileConfig, error) {
	var cfg FileConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			// "yaml: unmarshal errors:\n  line 4: …" reads badly in one log line.
			return FileConfig{}, errors.New(strings.Join(te.Errors, "; "))
		}
		return FileConfig{}, err
	}
	// Decode again into nodes only to learn each entry's line for the
	// validation errors below; the strict decode above already succeeded.
	var lines struct {
		Processes []yaml.Node `yaml:"processes"`
	}
	if err := yaml.Unmarshal(data, &lines); err != nil {
		return FileConfig{}, err
	}
	seen := map[string]int{}
	for i, p := range cfg.Processes {
		line := 0
		if i < len(lines.Processes) {
			line = lines.Processes[i].Line
		}
		if err := p.validate(); err != nil {
			return FileConfig{}, fmt.Errorf("line %d: process %d: %w", line, i+1, err)
		}
		if prev, ok := seen[p.Name]; ok {
			return FileConfig{}, fmt.Errorf("line %d: process name %q already used on line %d", line, p.Name, prev)
		}
		seen[p.Name] = line
	}
	return cfg, nil
}

func (p ProcessConfig) validate() error {
	if p.Name == "" {
		return errors.New("name is required")
	}
	if len(p.Name) > 64 {
		return fmt.Errorf("name %q longer than 64 bytes", p.Name)
	}
	n := 0
	for _, s := range []string{p.Comm, p.Cmdline, p.PIDFile} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%q: exactly one of comm, cmdline, pid_file is required", p.Name)
	}
	for _, re := range []string{p.Comm, p.Cmdline} {
		if re == "" {
			continue
		}
		if _, err := regexp.Compile(re); err != nil {
			return fmt.Errorf("%q: %w", p.Name, err)
		}
	}
	return nil
}
