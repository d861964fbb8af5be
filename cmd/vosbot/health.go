package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

func cmdHealthcheck(ctx context.Context, a *app, args []string) error {
	fs := a.flags("healthcheck", "[--url URL]",
		"Exit 0 when the vosbot on VOS_HTTP_ADDR answers /healthz, 1 otherwise: for container\nHEALTHCHECKs in images without curl.")
	url := fs.String("url", "", "the URL to check (default: /healthz on VOS_HTTP_ADDR)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *url == "" {
		addr := a.getenv("VOS_HTTP_ADDR")
		if addr == "" {
			addr = ":8080"
		}
		if addr == "off" {
			return usagef("healthcheck: VOS_HTTP_ADDR is off, nothing to check")
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return usagef("healthcheck: VOS_HTTP_ADDR=%q: %v", addr, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		*url = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return usagef("healthcheck: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	fmt.Fprintln(a.io.out, "ok")
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	return keys
}
