package feedback_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// TestForgetCoversSurveys: forgetting a rep leaves neither their id nor their buyers'
// answers anywhere, and their live links stop opening.
func TestForgetCoversSurveys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	const rep, buyerWords = "U0GONE", "Platypus-jam"
	d := draft("VS1")
	d.ReporterID = rep
	f, errs := d.Validate(rules)
	if errs != nil {
		t.Fatal(errs)
	}
	item, _, err := s.SaveFeedback(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	answered, _, err := s.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: item.ID, By: rep})
	if err != nil {
		t.Fatal(err)
	}
	live, _, err := s.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: item.ID, By: rep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerSurvey(ctx, answered, feedback.SurveyAnswer{ChoseOther: buyerWords + " was cheaper", ChangeMind: buyerWords}); err != nil {
		t.Fatal(err)
	}
	if len(traces(t, pool, buyerWords)) == 0 || len(traces(t, pool, rep)) == 0 {
		t.Fatal("seed left no traces")
	}
	plan, err := s.Forget(ctx, rep, true)
	if err != nil {
		t.Fatal(err)
	}
	if plan.SurveyLinks != 2 {
		t.Errorf("plan %+v", plan)
	}
	if left := traces(t, pool, buyerWords); len(left) > 0 {
		t.Errorf("the buyer's answer is still in %v", left)
	}
	if left := traces(t, pool, rep); len(left) > 0 {
		t.Errorf("the rep's id is still in %v", left)
	}
	if _, err := s.SurveyByToken(ctx, live); !errors.Is(err, feedback.ErrSurveyGone) {
		t.Errorf("a forgotten rep's link still opens: %v", err)
	}
}

// TestPurgeCoversSurveys: purging before a date deletes the links and answers made
// before it; later ones stay.
func TestPurgeCoversSurveys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	oldItem := savedRep(t, s, "VOLD")
	oldToken, _, err := s.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: oldItem.ID, Operator: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerSurvey(ctx, oldToken, feedback.SurveyAnswer{ChoseOther: "old words"}); err != nil {
		t.Fatal(err)
	}
	cut := now.Add(time.Hour)
	*now = now.Add(2 * time.Hour)
	newItem := savedRep(t, s, "VNEW")
	newToken, _, err := s.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: newItem.ID, Operator: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerSurvey(ctx, newToken, feedback.SurveyAnswer{ChoseOther: "new words"}); err != nil {
		t.Fatal(err)
	}
	plan, err := s.Purge(ctx, cut, true)
	if err != nil {
		t.Fatal(err)
	}
	if plan.SurveyLinks != 1 || plan.Feedback != 2 {
		t.Errorf("plan %+v", plan)
	}
	if left := traces(t, pool, "old words"); len(left) > 0 {
		t.Errorf("purged answer still in %v", left)
	}
	var links, answers int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM survey_links), (SELECT count(*) FROM survey_answers)`).Scan(&links, &answers); err != nil || links != 1 || answers != 1 {
		t.Fatalf("after purge: %d links, %d answers (%v)", links, answers, err)
	}
	if _, err := s.SurveyByToken(ctx, newToken); err != nil {
		t.Fatalf("a later link: %v", err)
	}
}
