package feedback_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	openai "github.com/sashabaranov/go-openai"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/feedback/themes"
	"github.com/vosbot/vosbot/feedback/themes/llm"
	"github.com/vosbot/vosbot/internal/openaifake"
)

func saveText(t *testing.T, s *feedback.Store, key, outcome, text string, reasons ...string) feedback.Feedback {
	t.Helper()
	d := feedback.Draft{ReporterID: "U0REP", Outcome: outcome, Account: "Acme", WhatDidnt: text, Reasons: reasons,
		Source: feedback.SourceSlashCommand, Key: key}
	f, errs := d.Validate(feedback.Rules{Reasons: []string{"price", "security_compliance", "integration", "support", "billing"}, Currency: "USD"})
	if errs != nil {
		t.Fatalf("draft %s: %v", key, errs)
	}
	saved, _, err := s.SaveFeedback(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

func keysOf(f feedback.Feedback, method string) []string {
	var out []string
	for _, th := range f.Themes {
		if th.Method == method {
			out = append(out, th.Key)
		}
	}
	return out
}

func TestOfflineTaggerStoresThemes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	if _, _, err := s.Catalogue.Sync(ctx, catalogue.Builtin()); err != nil {
		t.Fatal(err)
	}
	price := saveText(t, s, "k1", "lost", "Way too expensive for them; the competitor undercut our price by 30%.")
	sec := saveText(t, s, "k2", "lost", "Stuck in their security review: no SOC 2 report and no SSO.")
	none := saveText(t, s, "k3", "lost", "See you at lunch.")
	w := &feedback.TagWorker{Tagger: &feedback.OfflineTagger{Store: s, Log: slog.New(slog.DiscardHandler)}}
	job := &river.Job[feedback.TagFeedbackArgs]{Args: feedback.TagFeedbackArgs{FeedbackIDs: []int64{price.ID, sec.ID, none.ID, 999999}}}
	for range 2 { // again: replaces, never duplicates; a missing id is skipped
		if err := w.Work(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		f    feedback.Feedback
		want string
	}{{price, "price"}, {sec, "security_compliance"}, {none, ""}} {
		got, err := s.Feedback(ctx, c.f.ID)
		if err != nil {
			t.Fatal(err)
		}
		keys := keysOf(got, catalogue.MethodOffline)
		if c.want == "" && len(keys) != 0 || c.want != "" && (len(keys) == 0 || keys[0] != c.want) {
			t.Errorf("%q: offline themes %v, want %q first", c.f.WhatDidnt, keys, c.want)
		}
		if len(keys) > themes.MaxMatches || len(slices.Compact(slices.Clone(keys))) != len(keys) {
			t.Errorf("%q: themes %v: duplicates or too many", c.f.WhatDidnt, keys)
		}
	}
}

func TestDiscoverFindsUncoveredGroup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	if _, _, err := s.Catalogue.Sync(ctx, catalogue.Builtin()); err != nil {
		t.Fatal(err)
	}
	// Price talk, ticked by reps; and a new topic nobody has a theme for.
	for i := range 30 {
		saveText(t, s, fmt.Sprint("p", i), "lost", fmt.Sprintf("Too expensive, the price per seat was double variant %d.", i%5), "price")
	}
	for i := range 12 {
		saveText(t, s, fmt.Sprint("w", i), "lost", fmt.Sprintf("They need whatsapp messaging channel support in region %d; whatsapp is how their buyers talk.", i%3))
	}
	*now = now.Add(time.Hour)
	n, err := feedback.Discover(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Catalogue.Themes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var emerging []catalogue.Theme
	for _, th := range all {
		if th.Status == catalogue.StatusEmerging {
			emerging = append(emerging, th)
		}
	}
	if n == 0 || len(emerging) != n {
		t.Fatalf("discover found %d, stored emerging %+v", n, emerging)
	}
	found := false
	for _, e := range emerging {
		if strings.Contains(e.Name, "whatsapp") {
			found = e.Size >= 10 && len(e.Examples) > 0
		}
		if strings.Contains(e.Name, "expens") || strings.Contains(e.Name, "price") {
			t.Errorf("covered price talk became emerging: %+v", e)
		}
	}
	if !found {
		t.Errorf("no whatsapp emerging theme with its size and examples in %+v", emerging)
	}

	// The group found again under another label (as when new texts shift its most
	// distinctive terms) keeps its theme, matched by its example texts.
	var waKey string
	for _, e := range emerging {
		if strings.Contains(e.Name, "whatsapp") {
			waKey = e.Key
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE themes SET key = 'emerging_chat_apps', name = 'Chat apps' WHERE key = $1`, waKey); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Hour)
	if _, err := feedback.Discover(ctx, s); err != nil {
		t.Fatal(err)
	}
	whatsapp := func() []catalogue.Theme {
		all, err := s.Catalogue.Themes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []catalogue.Theme
		for _, th := range all {
			if th.Status == catalogue.StatusEmerging && strings.Contains(strings.ToLower(strings.Join(th.Examples, " ")), "whatsapp") {
				out = append(out, th)
			}
		}
		return out
	}
	again := whatsapp()
	if len(again) != 1 || again[0].Name != "Chat apps" || again[0].Size < 12 {
		t.Fatalf("after a second run, whatsapp emerging themes = %+v; want only Chat apps, refreshed to 12+", again)
	}
	// Dismissed, it is never proposed again, whatever its label becomes.
	if err := s.Catalogue.Dismiss(ctx, again[0].Key); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Hour)
	if _, err := feedback.Discover(ctx, s); err != nil {
		t.Fatal(err)
	}
	if back := whatsapp(); len(back) != 0 {
		t.Errorf("a dismissed theme came back as %+v", back)
	}
}

// priceModel answers "price" for texts saying price, and proposes one new theme.
func priceModel(r openaifake.Request) openaifake.Reply {
	var body struct {
		Texts []struct{ ID, Text string } `json:"texts"`
	}
	if len(r.Body.Messages) > 1 {
		_ = json.Unmarshal([]byte(r.Body.Messages[1].Content), &body)
	}
	var results []map[string]any
	var ids []string
	for _, x := range body.Texts {
		th := []map[string]any{}
		if strings.Contains(strings.ToLower(x.Text), "price") {
			th = append(th, map[string]any{"key": "price", "confidence": 0.9})
		}
		results = append(results, map[string]any{"id": x.ID, "themes": th})
		ids = append(ids, x.ID)
	}
	b, _ := json.Marshal(map[string]any{"results": results,
		"proposals": []any{map[string]any{"name": "Data residency in Brazil", "description": "hosting in Brazil", "example_ids": ids[:1]}}})
	return openaifake.Reply{Content: string(b), Usage: openai.Usage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120}}
}

func TestLLMTagWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	if _, _, err := s.Catalogue.Sync(ctx, catalogue.Builtin()); err != nil {
		t.Fatal(err)
	}
	var hang atomic.Bool
	hang.Store(true)
	fake := openaifake.New(func(r openaifake.Request) openaifake.Reply {
		if hang.Load() {
			return openaifake.Reply{Delay: 2 * time.Second}
		}
		return priceModel(r)
	})
	t.Cleanup(fake.Close)
	var items []feedback.Feedback
	for i := range 5 {
		items = append(items, saveText(t, s, fmt.Sprint("l", i), "lost", fmt.Sprintf("The price was the problem %d", i)))
	}
	tagger := llm.New(llm.Options{BaseURL: fake.URL(), APIKey: "sk-test", Model: "m", Timeout: 300 * time.Millisecond, BatchSize: 2,
		Record: func(ctx context.Context, u llm.Usage) {
			if err := s.RecordLLMUsage(ctx, feedback.LLMUsage{Model: u.Model, Purpose: u.Purpose, PromptTokens: u.PromptTokens,
				CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens, OK: u.OK, Error: u.Error}); err != nil {
				t.Error(err)
			}
		}})
	w := &feedback.LLMTagWorker{Store: s, Tagger: tagger, PerPass: 3, Log: slog.New(slog.DiscardHandler)}
	offline := &feedback.OfflineTagger{Store: s, Log: slog.New(slog.DiscardHandler)}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	if err := offline.Tag(ctx, ids, nil); err != nil {
		t.Fatal(err)
	}

	// A hanging model: the pass fails quietly, everything stays pending for the next one.
	if err := w.Work(ctx, &river.Job[feedback.LLMTagArgs]{}); err != nil {
		t.Fatalf("a failed model call must not fail the job: %v", err)
	}
	if p, _ := s.PendingLLM(ctx, 10); len(p) != 5 {
		t.Fatalf("pending after a hang = %d, want 5", len(p))
	}
	// The offline themes stand when the model fails.
	for _, it := range items {
		got, _ := s.Feedback(ctx, it.ID)
		if k := keysOf(got, catalogue.MethodOffline); len(k) == 0 || k[0] != "price" {
			t.Errorf("item %d offline themes after a failing model = %v, want price", it.ID, k)
		}
		if k := keysOf(got, catalogue.MethodLLM); len(k) != 0 {
			t.Errorf("item %d has llm themes %v from a model that never answered", it.ID, k)
		}
	}
	hang.Store(false)
	// Two healthy passes read everything, in batches of two, three items per pass.
	for range 2 {
		if err := w.Work(ctx, &river.Job[feedback.LLMTagArgs]{}); err != nil {
			t.Fatal(err)
		}
	}
	if p, _ := s.PendingLLM(ctx, 10); len(p) != 0 {
		t.Fatalf("pending after two passes = %d", len(p))
	}
	for _, it := range items {
		got, _ := s.Feedback(ctx, it.ID)
		if k := keysOf(got, catalogue.MethodLLM); len(k) != 1 || k[0] != "price" {
			t.Errorf("item %d llm themes = %v", it.ID, k)
		}
	}
	var calls, tokens int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE ok), COALESCE(sum(total_tokens) FILTER (WHERE ok), 0) FROM llm_usage`).Scan(&calls, &tokens); err != nil {
		t.Fatal(err)
	}
	if calls != 3 || tokens != 360 { // passes of 3 and 2 items in batches of 2: 2 + 1 calls
		t.Errorf("llm_usage ok calls = %d, tokens = %d; want 3 and 360", calls, tokens)
	}
	var name string
	if err := pool.QueryRow(ctx, `SELECT name FROM themes WHERE status = 'emerging' AND origin = 'llm'`).Scan(&name); err != nil || name != "Data residency in Brazil" {
		t.Errorf("proposal as emerging theme: %q, %v", name, err)
	}
}

func TestAcceptedThemeIsTagged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	if _, _, err := s.Catalogue.Sync(ctx, catalogue.Builtin()); err != nil {
		t.Fatal(err)
	}
	if err := s.Catalogue.AddEmerging(ctx, []catalogue.Emerging{{Name: "whatsapp, channel", Origin: catalogue.MethodOffline, Size: 9,
		Examples: []string{"They need WhatsApp as a messaging channel.", "WhatsApp is how their buyers talk to them.", "No WhatsApp channel, no deal."}}}); err != nil {
		t.Fatal(err)
	}
	key := catalogue.EmergingKey("whatsapp, channel")
	if err := s.Catalogue.Accept(ctx, key, "Messaging channels"); err != nil {
		t.Fatal(err)
	}
	f := saveText(t, s, "acc1", "lost", "Their buyers only talk over WhatsApp.")
	tagger := &feedback.OfflineTagger{Store: s, Log: slog.New(slog.DiscardHandler)}
	if err := tagger.Tag(ctx, []int64{f.ID}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Feedback(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(got, catalogue.MethodOffline); len(keys) == 0 || keys[0] != key {
		t.Errorf("offline themes = %v, want the accepted %s first", keys, key)
	}
}

// TestLLMWorkerReadsCatalogueEachPass: a theme an admin accepts is in the very next
// pass's prompt and the model's answer with it is stored; escalations go to the model
// too, as texts of kind "escalation", and get its themes.
func TestLLMWorkerReadsCatalogueEachPass(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	if _, _, err := s.Catalogue.Sync(ctx, catalogue.Builtin()); err != nil {
		t.Fatal(err)
	}
	key := catalogue.EmergingKey("whatsapp channel")
	if err := s.Catalogue.AddEmerging(ctx, []catalogue.Emerging{{Name: "whatsapp channel", Origin: catalogue.MethodOffline, Size: 5}}); err != nil {
		t.Fatal(err)
	}
	// The model gives the WhatsApp theme whenever the prompt offers it, and billing to
	// escalations.
	fake := openaifake.New(func(r openaifake.Request) openaifake.Reply {
		var body struct {
			Texts []struct{ ID, Kind, Text string } `json:"texts"`
		}
		_ = json.Unmarshal([]byte(r.Body.Messages[1].Content), &body)
		offered := strings.Contains(r.Body.Messages[0].Content, "- "+key+":")
		var results []map[string]any
		for _, x := range body.Texts {
			th := []map[string]any{}
			switch {
			case x.Kind == catalogue.KindEscalation:
				th = append(th, map[string]any{"key": "billing", "confidence": 0.9})
			case offered:
				th = append(th, map[string]any{"key": key, "confidence": 0.9})
			}
			results = append(results, map[string]any{"id": x.ID, "themes": th})
		}
		b, _ := json.Marshal(map[string]any{"results": results})
		return openaifake.Reply{Content: string(b)}
	})
	t.Cleanup(fake.Close)
	w := &feedback.LLMTagWorker{Store: s, Tagger: llm.New(llm.Options{BaseURL: fake.URL(), APIKey: "sk-test", Model: "m", Timeout: 5 * time.Second}),
		Log: slog.New(slog.DiscardHandler)}
	pass := func() {
		t.Helper()
		if err := w.Work(ctx, &river.Job[feedback.LLMTagArgs]{}); err != nil {
			t.Fatal(err)
		}
	}

	before := saveText(t, s, "wa1", "lost", "Their buyers only talk over WhatsApp.")
	esc, errs := feedback.EscalationDraft{ReporterID: "U0REP", Team: "billing", Summary: "Invoice sent twice to Acme", Source: feedback.SourceImport, Key: "e1"}.Validate(feedbacktest.Org())
	if errs != nil {
		t.Fatal(errs)
	}
	raised, _, err := s.RaiseEscalation(ctx, feedbacktest.Org(), esc)
	if err != nil {
		t.Fatal(err)
	}
	pass()
	if got, _ := s.Feedback(ctx, before.ID); len(keysOf(got, catalogue.MethodLLM)) != 0 {
		t.Fatalf("a theme still waiting for an admin was given: %v", keysOf(got, catalogue.MethodLLM))
	}
	var escKey, escMethod string
	if err := s.Pool().QueryRow(ctx, `SELECT t.key, et.method FROM escalation_themes et JOIN themes t ON t.id = et.theme_id WHERE et.escalation_id = $1`, raised.ID).Scan(&escKey, &escMethod); err != nil || escKey != "billing" || escMethod != catalogue.MethodLLM {
		t.Errorf("escalation themes: %q by %q, %v; want billing by the model", escKey, escMethod, err)
	}

	// Accepted: the very next pass offers it, and the answer is kept.
	if err := s.Catalogue.Accept(ctx, key, ""); err != nil {
		t.Fatal(err)
	}
	after := saveText(t, s, "wa2", "lost", "No WhatsApp, no deal.")
	pass()
	got, err := s.Feedback(ctx, after.ID)
	if err != nil {
		t.Fatal(err)
	}
	if k := keysOf(got, catalogue.MethodLLM); len(k) != 1 || k[0] != key {
		t.Errorf("after the theme was accepted, the next pass gave %v, want %s", k, key)
	}
}
