package deploy_test

import (
	"slices"
	"strings"
	"testing"
)

// TestWebhookIngressExposesOnlyTheHooks: the Ingress routes the two hook paths, exactly,
// to a Service whose port targets the container's webhooks port (not the health and
// metrics port), and the kustomization lists both files.
func TestWebhookIngressExposesOnlyTheHooks(t *testing.T) {
	t.Parallel()
	ing := docs(t, "k8s/webhooks/ingress.yaml")[0]
	var paths []string
	for _, p := range at(ing, "spec", "rules", 0, "http", "paths").([]any) {
		paths = append(paths, at(p, "path").(string))
		if at(p, "pathType") != "Exact" || at(p, "backend", "service", "name") != "vosbot-webhooks" || at(p, "backend", "service", "port", "name") != "webhooks" {
			t.Errorf("path %v", p)
		}
	}
	if !slices.Equal(paths, []string{"/hooks/deals", "/hooks/hubspot"}) {
		t.Errorf("ingress paths %v", paths)
	}
	if at(ing, "spec", "tls", 0, "secretName") == nil {
		t.Error("the ingress has no TLS")
	}
	svc := docs(t, "k8s/webhooks/service.yaml")[0]
	if at(svc, "spec", "ports", 0, "targetPort") != "webhooks" || at(svc, "spec", "selector", "app.kubernetes.io/name") != "vosbot" {
		t.Errorf("service %v", svc)
	}
	var port any
	for _, d := range docs(t, "k8s/deployment.yaml") {
		if d["kind"] != "Deployment" {
			continue
		}
		for _, p := range at(d, "spec", "template", "spec", "containers", 0, "ports").([]any) {
			if at(p, "name") == "webhooks" {
				port = at(p, "containerPort")
			}
		}
	}
	if port != 8090 {
		t.Errorf("container webhooks port %v, want 8090 (the VOS_WEBHOOK_ADDR the docs set)", port)
	}
	kust := docs(t, "k8s/webhooks/kustomization.yaml")[0]
	if got := strings.Join(strs(at(kust, "resources")), ","); got != "ingress.yaml,service.yaml" {
		t.Errorf("kustomization resources %s", got)
	}
}
