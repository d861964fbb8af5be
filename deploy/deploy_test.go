// Package deploy_test holds the deployment files to what the code does: the Slack app
// manifest to the commands and scopes the bot registers, the probes to the paths the
// binary serves, the images to a non-root user.
package deploy_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/vosbot/vosbot/bot"
	"github.com/vosbot/vosbot/internal/config"
	"github.com/vosbot/vosbot/internal/ops"
)

// docs decodes every YAML document of a file.
func docs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var out []map[string]any
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
}

// at walks a decoded YAML value by keys and indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestEveryYAMLParses(t *testing.T) {
	t.Parallel()
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			if len(docs(t, path)) == 0 {
				t.Errorf("%s holds no YAML document", path)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestManifestMatchesCode(t *testing.T) {
	t.Parallel()
	m := docs(t, "slack-app-manifest.yaml")[0]
	var commands []string
	for _, c := range at(m, "features", "slash_commands").([]any) {
		commands = append(commands, at(c, "command").(string))
	}
	if got, want := sorted(commands), sorted(bot.Surface.Commands); !slices.Equal(got, want) {
		t.Errorf("manifest commands %v, code %v", got, want)
	}
	var shortcuts []string
	for _, s := range at(m, "features", "shortcuts").([]any) {
		if at(s, "type") != "message" {
			t.Errorf("shortcut %v is not a message shortcut", s)
		}
		shortcuts = append(shortcuts, at(s, "callback_id").(string))
	}
	if got, want := sorted(shortcuts), sorted(bot.Surface.Shortcuts); !slices.Equal(got, want) {
		t.Errorf("manifest shortcuts %v, code %v", got, want)
	}
	if got, want := strs(at(m, "oauth_config", "scopes", "bot")), sorted(bot.Surface.Scopes); !slices.Equal(got, want) {
		t.Errorf("manifest scopes %v, code %v", got, want)
	}
	if got, want := strs(at(m, "settings", "event_subscriptions", "bot_events")), sorted(bot.Surface.Events); !slices.Equal(got, want) {
		t.Errorf("manifest events %v, code %v", got, want)
	}
	for _, flag := range [][]any{{"settings", "socket_mode_enabled"}, {"settings", "interactivity", "is_enabled"}, {"features", "app_home", "home_tab_enabled"}} {
		if at(m, flag...) != true {
			t.Errorf("manifest %v is not true", flag)
		}
	}
	// Every scope the bot's calls need is declared.
	for method, scope := range bot.MethodScopes {
		if scope != "" && !slices.Contains(bot.Surface.Scopes, scope) {
			t.Errorf("%s needs %s", method, scope)
		}
	}
}

// TestProbesPointAtServedPaths starts the binary's health handler and requests the
// paths the Kubernetes probes use.
func TestProbesPointAtServedPaths(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(ops.Handler(prometheus.NewRegistry()))
	defer srv.Close()
	var deployment map[string]any
	for _, d := range docs(t, "k8s/deployment.yaml") {
		if d["kind"] == "Deployment" {
			deployment = d
		}
	}
	if deployment == nil {
		t.Fatal("no Deployment")
	}
	if n := at(deployment, "spec", "replicas"); n != 2 {
		t.Errorf("replicas = %v, want 2", n)
	}
	c := at(deployment, "spec", "template", "spec", "containers", 0)
	for probe, want := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		path, _ := at(c, probe, "httpGet", "path").(string)
		if path != want {
			t.Errorf("%s path %q, want %q", probe, path, want)
		}
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the binary answers %s with %d", path, resp.StatusCode)
		}
	}
	if at(c, "resources", "requests") == nil || at(c, "resources", "limits") == nil {
		t.Error("no resource requests and limits")
	}
	if at(deployment, "spec", "template", "spec", "initContainers", 0, "args", 0) != "migrate" {
		t.Error("no migration init step")
	}
	// The metrics path the scrape annotation names is served too.
	if path := at(deployment, "spec", "template", "metadata", "annotations", "prometheus.io/path"); path != "/metrics" {
		t.Errorf("scrape path %v", path)
	}
}

func TestNotRoot(t *testing.T) {
	t.Parallel()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var user, healthcheck string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if u, ok := strings.CutPrefix(line, "USER "); ok {
			user = u
		}
		if strings.HasPrefix(line, "HEALTHCHECK ") {
			healthcheck = line
		}
	}
	if user == "" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0") {
		t.Errorf("the image runs as %q", user)
	}
	if !strings.Contains(healthcheck, `"healthcheck"`) {
		t.Errorf("HEALTHCHECK = %q, want the healthcheck command", healthcheck)
	}
	for _, d := range docs(t, "k8s/deployment.yaml") {
		sc := at(d, "spec", "template", "spec", "securityContext")
		if at(sc, "runAsNonRoot") != true || at(sc, "runAsUser") == 0 {
			t.Errorf("pod security context %v", sc)
		}
	}
}

func TestComposeAndConfigMap(t *testing.T) {
	t.Parallel()
	compose := docs(t, "docker-compose.yml")[0]
	services := at(compose, "services").(map[string]any)
	replicas := 0
	for name, s := range services {
		if strings.HasPrefix(name, "vosbot") {
			replicas++
			if at(s, "env_file") != ".env" {
				t.Errorf("%s does not take its secrets from .env", name)
			}
		}
	}
	if replicas != 2 || services["postgres"] == nil {
		t.Errorf("compose has %d vosbot replicas and postgres %v", replicas, services["postgres"] != nil)
	}
	if _, err := os.Stat(".env.example"); err != nil {
		t.Error(err)
	}
	cm := docs(t, "k8s/configmap.yaml")[0]
	body, _ := at(cm, "data", "vosbot.yaml").(string)
	if _, err := config.Parse("configmap vosbot.yaml", []byte(body)); err != nil {
		t.Errorf("the ConfigMap's configuration is invalid: %v", err)
	}
	kust := docs(t, "k8s/kustomization.yaml")[0]
	for _, r := range strs(at(kust, "resources")) {
		if _, err := os.Stat(filepath.Join("k8s", r)); err != nil {
			t.Errorf("kustomization lists %s: %v", r, err)
		}
	}
}

// TestKustomizationAppliesNoSecret: applying the manifests must never overwrite the
// operator's Secret with committed placeholders; the Deployment reads a Secret the
// kustomization does not create, and says how to create it.
func TestKustomizationAppliesNoSecret(t *testing.T) {
	t.Parallel()
	kust := docs(t, "k8s/kustomization.yaml")[0]
	for _, r := range strs(at(kust, "resources")) {
		for _, d := range docs(t, filepath.Join("k8s", r)) {
			if d["kind"] == "Secret" {
				t.Errorf("kustomization applies %s, a Secret: it would overwrite the real one", r)
			}
		}
	}
	var secretRefs []string
	for _, d := range docs(t, "k8s/deployment.yaml") {
		for _, path := range [][]any{{"spec", "template", "spec", "containers"}, {"spec", "template", "spec", "initContainers"}} {
			cs, _ := at(d, path...).([]any)
			for _, c := range cs {
				for _, ef := range at(c, "envFrom").([]any) {
					if name, ok := at(ef, "secretRef", "name").(string); ok {
						secretRefs = append(secretRefs, name)
					}
				}
			}
		}
	}
	if len(secretRefs) == 0 {
		t.Fatal("the Deployment reads no Secret")
	}
	raw, err := os.ReadFile("k8s/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range secretRefs {
		if !strings.Contains(string(raw), "create secret generic "+name) {
			t.Errorf("kustomization.yaml does not say how to create the Secret %s", name)
		}
	}
}

// TestDockerignore: the build context leaves out the git history and the Compose
// secrets file (Docker matches .dockerignore patterns from the context root).
func TestDockerignore(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, strings.TrimPrefix(line, "/"))
		}
	}
	ignored := func(p string) bool {
		for _, pat := range patterns {
			for _, cand := range []string{pat, strings.TrimPrefix(pat, "**/")} {
				for q := p; q != "."; q = filepath.Dir(q) {
					if ok, _ := filepath.Match(cand, q); ok {
						return true
					}
					if strings.HasPrefix(pat, "**/") {
						if ok, _ := filepath.Match(cand, filepath.Base(q)); ok {
							return true
						}
					}
				}
			}
		}
		return false
	}
	for _, p := range []string{".git", ".git/config", "deploy/.env", "internal/slackfake/blockkit-check/node_modules/typescript/package.json"} {
		if !ignored(p) {
			t.Errorf(".dockerignore sends %s to the build", p)
		}
	}
	for _, p := range []string{"go.mod", "cmd/vosbot/main.go", "deploy/Dockerfile", "migrations/sql/0001_init.sql"} {
		if ignored(p) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", p)
		}
	}
}

// TestPDBLetsUnhealthyPodsGo: a drain never waits on a pod that is not ready.
func TestPDBLetsUnhealthyPodsGo(t *testing.T) {
	t.Parallel()
	pdb := docs(t, "k8s/pdb.yaml")[0]
	if at(pdb, "spec", "unhealthyPodEvictionPolicy") != "AlwaysAllow" {
		t.Errorf("unhealthyPodEvictionPolicy = %v, want AlwaysAllow", at(pdb, "spec", "unhealthyPodEvictionPolicy"))
	}
	replicas := at(docs(t, "k8s/deployment.yaml")[0], "spec", "replicas").(int)
	if m, _ := at(pdb, "spec", "minAvailable").(int); m >= replicas {
		t.Errorf("minAvailable %d of %d replicas blocks every drain", m, replicas)
	}
}

// discoveryPeakMiB is the peak resident memory of `vosbot themes cluster` on 50,000
// texts (BENCHMARKS.md, "Memory limit"), the bot's own peak being nightly discovery;
// botBaselineMiB is what the bot holds besides (22 MiB idle, measured, rounded up for
// traffic).
const (
	discoveryPeakMiB = 386
	botBaselineMiB   = 40
)

// TestMemoryLimitFitsDiscovery: the container's limit holds discovery on 50,000 texts
// with at least 30 % headroom, and GOMEMLIMIT sits between that peak and the limit.
func TestMemoryLimitFitsDiscovery(t *testing.T) {
	t.Parallel()
	c := at(docs(t, "k8s/deployment.yaml")[0], "spec", "template", "spec", "containers", 0)
	limit := mebibytes(t, at(c, "resources", "limits", "memory"))
	need := float64(discoveryPeakMiB + botBaselineMiB)
	if float64(limit) < 1.3*need {
		t.Errorf("memory limit %d MiB, want at least %.0f (1.3 × %.0f MiB)", limit, 1.3*need, need)
	}
	var goMem any
	for _, e := range at(c, "env").([]any) {
		if at(e, "name") == "GOMEMLIMIT" {
			goMem = at(e, "value")
		}
	}
	if goMem == nil {
		t.Fatal("no GOMEMLIMIT: the Go runtime would not know the container's limit")
	}
	if soft := mebibytes(t, strings.TrimSuffix(goMem.(string), "B")); float64(soft) < need || soft >= limit {
		t.Errorf("GOMEMLIMIT %d MiB, want between %.0f and the %d MiB limit", soft, need, limit)
	}
}

// mebibytes reads a Kubernetes memory quantity in Mi or Gi.
func mebibytes(t *testing.T, v any) int {
	t.Helper()
	s, _ := v.(string)
	var n int
	switch {
	case strings.HasSuffix(s, "Mi"):
		_, err := fmt.Sscanf(s, "%dMi", &n)
		if err == nil {
			return n
		}
	case strings.HasSuffix(s, "Gi"):
		_, err := fmt.Sscanf(s, "%dGi", &n)
		if err == nil {
			return n * 1024
		}
	}
	t.Fatalf("memory quantity %v: use Mi or Gi", v)
	return 0
}
