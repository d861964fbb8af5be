package measures_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vosbot/vosbot/feedback/measures"
)

// TestCollector: a gauge per measure — latest value, target, status and streak — where
// a measure nobody reported has no value sample (missing is not zero).
func TestCollector(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.record("billing", "2026-11-02", "U0FIN", map[string]float64{"invoices_on_time": 91})
	f.record("billing", "2026-11-09", "U0FIN", map[string]float64{"invoices_on_time": 92.5})
	f.record("product", "2026-11-09", "U0PM1", map[string]float64{"activation_rate": 41})
	reg := prometheus.NewRegistry()
	reg.MustRegister(measures.NewCollector(f.store, f.sc, discard()))
	week := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC).Unix()
	got := gather(t, reg)
	want := map[string]float64{
		`vosbot_measure_value{measure="activation_rate",team="product"}`:                    41,
		`vosbot_measure_value{measure="invoices_on_time",team="billing"}`:                   92.5,
		`vosbot_measure_target{measure="activation_rate",team="product"}`:                   40,
		`vosbot_measure_target{measure="days_to_value",team="product"}`:                     14,
		`vosbot_measure_target{measure="invoices_on_time",team="billing"}`:                  95,
		`vosbot_measure_status{measure="activation_rate",status="met",team="product"}`:      1,
		`vosbot_measure_status{measure="activation_rate",status="missed",team="product"}`:   0,
		`vosbot_measure_status{measure="activation_rate",status="missing",team="product"}`:  0,
		`vosbot_measure_status{measure="days_to_value",status="met",team="product"}`:        0,
		`vosbot_measure_status{measure="days_to_value",status="missed",team="product"}`:     0,
		`vosbot_measure_status{measure="days_to_value",status="missing",team="product"}`:    1,
		`vosbot_measure_status{measure="invoices_on_time",status="met",team="billing"}`:     0,
		`vosbot_measure_status{measure="invoices_on_time",status="missed",team="billing"}`:  1,
		`vosbot_measure_status{measure="invoices_on_time",status="missing",team="billing"}`: 0,
		`vosbot_measure_streak_weeks{measure="activation_rate",team="product"}`:             1,
		`vosbot_measure_streak_weeks{measure="days_to_value",team="product"}`:               13,
		`vosbot_measure_streak_weeks{measure="invoices_on_time",team="billing"}`:            2,
		`vosbot_measure_week_start_seconds{measure="activation_rate",team="product"}`:       float64(week),
		`vosbot_measure_week_start_seconds{measure="days_to_value",team="product"}`:         float64(week),
		`vosbot_measure_week_start_seconds{measure="invoices_on_time",team="billing"}`:      float64(week),
	}
	if len(got) != len(want) {
		t.Errorf("%d samples, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if _, ok := got[`vosbot_measure_value{measure="days_to_value",team="product"}`]; ok {
		t.Error("a missing week was exported as a value")
	}
	// A new value shows after the cache expires, not before.
	f.record("product", "2026-11-09", "U0PM1", map[string]float64{"days_to_value": 9})
	if _, ok := gather(t, reg)[`vosbot_measure_value{measure="days_to_value",team="product"}`]; ok {
		t.Error("a new value showed within the cache")
	}
	f.set(f.now.Add(time.Minute))
	if v := gather(t, reg)[`vosbot_measure_value{measure="days_to_value",team="product"}`]; v != 9 {
		t.Errorf("after the cache: %v, want 9", v)
	}
}

// gather reads a registry as name{label="value",…} → value.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			out[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	return out
}
