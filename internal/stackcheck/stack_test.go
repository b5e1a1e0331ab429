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
	Configs  map[string]struct {
		Content string `yaml:"content"`
	} `yaml:"configs"`
	Volumes map[string]any `yaml:"volumes"`
}

type composeService struct {
	Image       string `yaml:"image"`
	Build       string `yaml:"build"`
	NetworkMode string `yaml:"network_mode"`
	PID         string `yaml:"pid"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	WorkingDir  string            `yaml:"working_dir"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Configs     []struct {
		Source string `yaml:"source"`
		Target string `yaml:"target"`
	} `yaml:"configs"`
	Volumes []string `yaml:"volumes"`
	Restart string   `yaml:"restart"`
}

// readCompose decodes docker-compose.yml strictly.
func readCompose(t *testing.T) composeFile {
	t.Helper()
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
	return c
}

// args is the command line a service runs: its command, or, for a service whose
// entrypoint is `sh -c`, the words of the script (quotes stripped).
func (s composeService) args() []string {
	if len(s.Entrypoint) == 2 && s.Entrypoint[1] == "-c" && len(s.Command) == 1 {
		var out []string
		for _, w := range strings.Fields(s.Command[0]) {
			out = append(out, strings.ReplaceAll(w, `"`, ""))
		}
		return out
	}
	return s.Command
}

// pinned matches an image reference with an explicit version tag (not latest).
var pinned = regexp.MustCompile(`^[a-z0-9./-]+:v?[0-9]+(\.[0-9]+)+[A-Za-z0-9.-]*$`)

// TestCompose checks docker-compose.yml without Docker: it decodes strictly, every
// image is pinned to a version, every file or folder it mounts from the repository
// exists, and every service the stack needs is there.
func TestCompose(t *testing.T) {
	c := readCompose(t)
	for _, want := range []string{"init", "prometheus", "alertmanager", "grafana", "exporter", "demo", "collector", "anomaly", "depscan"} {
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
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on %s, which is not a service", name, dep)
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
	// The scanner's database is built into the image, where its flag points.
	ds := c.Services["depscan"].args()
	if !contains(ds, "--osv.db=/usr/share/perfwatch/osv") || !contains(ds, "--scan.dir=.") {
		t.Errorf("depscan runs %q, want the image's OSV database and the repository", ds)
	}
	if df, err := os.ReadFile(filepath.Join(root, "Dockerfile")); err != nil || !bytes.Contains(df, []byte("scripts/depscan-db.sh /osv")) ||
		!bytes.Contains(df, []byte("/usr/share/perfwatch/osv")) {
		t.Errorf("the Dockerfile does not build the OSV database into /usr/share/perfwatch/osv (%v)", err)
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
// the one provisioned, that it reaches Prometheus over TLS with basic auth from files
// compose mounts into Grafana, and that the dashboard provider reads the folder compose
// mounts.
func TestGrafanaProvisioning(t *testing.T) {
	var ds struct {
		Datasources []struct {
			UID           string            `yaml:"uid"`
			Type          string            `yaml:"type"`
			URL           string            `yaml:"url"`
			BasicAuth     bool              `yaml:"basicAuth"`
			BasicAuthUser string            `yaml:"basicAuthUser"`
			JSONData      map[string]any    `yaml:"jsonData"`
			Secure        map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	readYAML(t, "grafana/provisioning/datasources/prometheus.yml", &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].UID != "perfwatch-prometheus" || ds.Datasources[0].Type != "prometheus" {
		t.Fatalf("datasources %+v", ds.Datasources)
	}
	d := ds.Datasources[0]
	if d.URL != "https://localhost:9090" || !d.BasicAuth || d.BasicAuthUser != demoUser || d.JSONData["tlsAuthWithCACert"] != true {
		t.Errorf("datasource %+v does not reach Prometheus over TLS with basic auth", d)
	}
	mounts := map[string]string{} // path in the container → source
	for _, v := range readCompose(t).Services["grafana"].Volumes {
		parts := strings.Split(v, ":")
		mounts[parts[1]] = parts[0]
	}
	for key, want := range map[string]string{
		"basicAuthPassword": "/etc/perfwatch/web-password",
		"tlsCACert":         "/etc/perfwatch/tls/cert.pem",
	} {
		if got := d.Secure[key]; got != "$__file{"+want+"}" {
			t.Errorf("secureJsonData.%s = %q, want $__file{%s}", key, got, want)
		}
		if mounts[want] == "" && mounts[filepath.Dir(want)] == "" {
			t.Errorf("compose mounts nothing at %s into grafana", want)
		}
	}
	if mounts["/etc/perfwatch/web-password"] != "./config/web-password" || mounts["/etc/perfwatch/tls"] != "tls" {
		t.Errorf("grafana's mounts %v: want config/web-password and the tls volume", mounts)
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

// TestPromtoolCheckConfig validates prometheus.yml, and with it the rule files it loads,
// as `make demo` runs it: scripts/demo.sh writes the configuration for the Prometheus
// it finds (promtool's version is that Prometheus's), with the shipped file's
// Prometheus 3 keys rewritten for a 2.x, and the certificate and password file it names.
func TestPromtoolCheckConfig(t *testing.T) {
	promtool := testtool.Need(t, "promtool", "apt-get install prometheus")
	testtool.Need(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	out, err := exec.Command(filepath.Join(root, "scripts/demo.sh"), "prometheus-config", promtool, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh prometheus-config: %v\n%s", err, out)
	}
	cmd := exec.Command(promtool, "check", "config", filepath.Join(dir, "prometheus.yml"))
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SUCCESS") {
		t.Errorf("promtool check config said:\n%s", out)
	}
}

// TestPrometheusReadyForHA checks that prometheus.yml drops the replica label from the
// alerts it sends, which changes nothing on one server and makes an HA pair's alerts
// one (docs/high-availability.md), and says where the replica label would go.
func TestPrometheusReadyForHA(t *testing.T) {
	var cfg struct {
		Global struct {
			ExternalLabels map[string]string `yaml:"external_labels"`
		} `yaml:"global"`
		Alerting struct {
			AlertRelabelConfigs []map[string]any `yaml:"alert_relabel_configs"`
		} `yaml:"alerting"`
	}
	readYAML(t, "prometheus.yml", &cfg)
	if _, ok := cfg.Global.ExternalLabels["replica"]; ok {
		t.Error("prometheus.yml sets replica: the shipped file is one server's, a pair sets it per server")
	}
	drops := false
	for _, rc := range cfg.Alerting.AlertRelabelConfigs {
		drops = drops || rc["action"] == "labeldrop" && rc["regex"] == "replica"
	}
	if !drops {
		t.Errorf("alert_relabel_configs %v: want {action: labeldrop, regex: replica}", cfg.Alerting.AlertRelabelConfigs)
	}
	raw, err := os.ReadFile(filepath.Join(root, "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s+# replica: a$`).Match(raw) || !bytes.Contains(raw, []byte("docs/high-availability.md")) {
		t.Error("prometheus.yml has no commented `replica: a` under external_labels pointing to docs/high-availability.md")
	}
}
