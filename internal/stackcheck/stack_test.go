package stackcheck

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/perfwatch/perfwatch/internal/testtool"
)

const root = "../.."

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       string            `yaml:"build"`
	NetworkMode string            `yaml:"network_mode"`
	PID         string            `yaml:"pid"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Restart     string            `yaml:"restart"`
}

// pinned matches an image reference with an explicit version tag (not latest).
var pinned = regexp.MustCompile(`^[a-z0-9./-]+:v?[0-9]+(\.[0-9]+)+[A-Za-z0-9.-]*$`)

// TestCompose checks docker-compose.yml without Docker: it decodes strictly, every
// image is pinned to a version, every file or folder it mounts from the repository
// exists, and every service the stack needs is there.
func TestCompose(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	for _, want := range []string{"prometheus", "alertmanager", "grafana", "exporter", "demo"} {
		if _, ok := c.Services[want]; !ok {
			t.Errorf("service %s missing", want)
		}
	}
	for name, s := range c.Services {
		switch {
		case s.Image != "" && !pinned.MatchString(s.Image):
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		case s.Image == "" && s.Build == "":
			t.Errorf("%s: neither image nor build", name)
		case s.Build != "":
			if _, err := os.Stat(filepath.Join(root, s.Build, "Dockerfile")); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		for _, v := range s.Volumes {
			src := strings.Split(v, ":")[0]
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("%s mounts %s: %v", name, src, err)
				}
			} else if !strings.HasPrefix(src, "/") {
				if _, ok := c.Volumes[src]; !ok {
					t.Errorf("%s uses volume %s, which is not declared", name, src)
				}
			}
		}
	}
	prom := c.Services["prometheus"]
	if !contains(prom.Command, "--storage.tsdb.retention.time=30d") {
		t.Error("prometheus does not keep 30 days of metrics")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDockerfilePinned checks that every base image of the Dockerfile has a version.
func TestDockerfilePinned(t *testing.T) {
	f, err := os.Open(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && strings.EqualFold(fields[0], "FROM") {
			n++
			if !pinned.MatchString(fields[1]) {
				t.Errorf("FROM %s is not pinned to a version", fields[1])
			}
		}
	}
	if n < 2 {
		t.Errorf("%d stages, want a multi-stage build", n)
	}
}

// TestGrafanaProvisioning checks that the datasource uid the dashboards default to is
// the one provisioned, and that the dashboard provider reads the folder compose mounts.
func TestGrafanaProvisioning(t *testing.T) {
	var ds struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	readYAML(t, "grafana/provisioning/datasources/prometheus.yml", &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].UID != "perfwatch-prometheus" || ds.Datasources[0].Type != "prometheus" {
		t.Errorf("datasources %+v", ds.Datasources)
	}
	var prov struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, "grafana/provisioning/dashboards/perfwatch.yml", &prov)
	if len(prov.Providers) != 1 || prov.Providers[0].Options.Path != "/var/lib/grafana/dashboards" {
		t.Errorf("providers %+v", prov.Providers)
	}
	overview, err := os.ReadFile(filepath.Join(root, "dashboards/overview.json"))
	if err != nil || !bytes.Contains(overview, []byte(`"perfwatch-prometheus"`)) {
		t.Errorf("overview dashboard does not default to the provisioned datasource (%v)", err)
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestPromtoolCheckConfig validates prometheus.yml, and with it the rule files it loads.
func TestPromtoolCheckConfig(t *testing.T) {
	promtool := testtool.Need(t, "promtool", "apt-get install prometheus")
	cmd := exec.Command(promtool, "check", "config", "prometheus.yml")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SUCCESS") {
		t.Errorf("promtool check config said:\n%s", out)
	}
}
