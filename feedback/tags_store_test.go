package feedback_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback/catalogue"
)

func TestThemesLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	cat := []catalogue.Theme{{Key: "price", Name: "Price"}, {Key: "integration", Name: "Integrations"}}
	v1, changed, err := s.Catalogue.Sync(ctx, cat)
	if err != nil || !changed || v1 != 1 {
		t.Fatalf("sync: %d %v %v", v1, changed, err)
	}
	if _, changed, _ := s.Catalogue.Sync(ctx, cat); changed {
		t.Error("the same catalogue made a new version")
	}
	f, _ := draft("V1").Validate(rules)
	saved, _, err := s.SaveFeedback(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	// Tagging twice replaces, never duplicates; unknown keys are ignored.
	for range 2 {
		if err := s.Catalogue.SetThemes(ctx, catalogue.MethodOffline, []catalogue.Tagging{{Subject: catalogue.SubjectFeedback, ID: saved.ID, Matches: []catalogue.Match{{Key: "integration", Confidence: 0.7}, {Key: "price", Confidence: 0.4}, {Key: "nope", Confidence: 1}}}}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.Feedback(ctx, saved.ID)
	if len(got.Themes) != 2 || got.Themes[0].Key != "integration" || got.Themes[0].Method != "offline" {
		t.Errorf("themes = %+v", got.Themes)
	}
	if err := s.Catalogue.SetThemes(ctx, catalogue.MethodLLM, []catalogue.Tagging{{Subject: catalogue.SubjectFeedback, ID: saved.ID, Matches: []catalogue.Match{{Key: "price", Confidence: 0.9}}}}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Feedback(ctx, saved.ID)
	if len(got.Themes) != 1 || got.Themes[0].Method != "llm" {
		t.Errorf("the model's themes should be shown when present: %+v", got.Themes)
	}
	pending, _ := s.PendingLLM(ctx, 10)
	if len(pending) != 0 {
		t.Errorf("%d pending for the model after it tagged", len(pending))
	}

	// Emerging themes: found, accepted (renamed), merged, dismissed.
	if err := s.Catalogue.AddEmerging(ctx, []catalogue.Emerging{{Name: "Onboarding speed", Examples: []string{"slow", "slower"}, Size: 7, Origin: "offline"}, {Name: "Swag", Origin: "llm"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Catalogue.Accept(ctx, catalogue.EmergingKey("Onboarding speed"), "Onboarding time"); err != nil {
		t.Fatal(err)
	}
	if err := s.Catalogue.Accept(ctx, catalogue.EmergingKey("Onboarding speed"), ""); !errors.Is(err, catalogue.ErrThemeState) {
		t.Errorf("accept twice = %v", err)
	}
	if err := s.Catalogue.Dismiss(ctx, catalogue.EmergingKey("Swag")); err != nil {
		t.Fatal(err)
	}
	// Found again later, a dismissed theme stays dismissed.
	_ = s.Catalogue.AddEmerging(ctx, []catalogue.Emerging{{Name: "Swag", Origin: "llm", Size: 9}})
	// An accepted theme survives a catalogue change; a dropped catalogue theme retires.
	*now = now.Add(time.Hour)
	if _, _, err := s.Catalogue.Sync(ctx, cat[:1]); err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	themes, _ := s.Catalogue.Themes(ctx)
	for _, th := range themes {
		status[th.Key] = th.Status
	}
	if status["price"] != "catalogue" || status["integration"] != "retired" || status[catalogue.EmergingKey("Onboarding speed")] != "catalogue" || status[catalogue.EmergingKey("Swag")] != "dismissed" {
		t.Errorf("statuses = %v", status)
	}
	// Merging folds counts into the target.
	if err := s.Catalogue.Merge(ctx, "integration", "price"); err != nil {
		t.Fatal(err)
	}
	if err := s.Catalogue.Merge(ctx, "price", "nope"); !errors.Is(err, catalogue.ErrThemeState) {
		t.Errorf("merge into an unknown theme = %v", err)
	}
	counts, err := s.Catalogue.Counts(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		if c.Key == "price" && c.Feedback != 1 {
			t.Errorf("price counted %d items", c.Feedback)
		}
		if c.Key == "integration" {
			t.Error("a merged theme is still listed")
		}
	}
	var v int
	_ = pool.QueryRow(ctx, `SELECT max(version) FROM theme_catalogue_versions`).Scan(&v)
	if v != 2 {
		t.Errorf("catalogue version %d", v)
	}
}
