package feedback_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// savedRep stores the rep's lost item ("draft") and returns it.
func savedRep(t *testing.T, s *feedback.Store, key string) feedback.Feedback {
	t.Helper()
	f, errs := draft(key).Validate(rules)
	if errs != nil {
		t.Fatal(errs)
	}
	saved, _, err := s.SaveFeedback(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

const hostile = "<script>alert(1)</script> <!channel> <@U0ADMIN> &amp; *bold* \"quotes\" 'x' 😅"

func TestSurveyLinkAnswerOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	rep := savedRep(t, s, "V1")

	if _, _, err := s.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: rep.ID, By: "U0OTHER"}); !errors.Is(err, feedback.ErrForbidden) {
		t.Fatalf("another rep's link: %v, want ErrForbidden", err)
	}
	token, link, err := s.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: rep.ID, By: "U0REP"})
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != feedback.SurveyTokenLen || !feedback.ValidSurveyToken(token) {
		t.Fatalf("token %q", token)
	}
	if got := link.ExpiresAt.Sub(link.CreatedAt); got != feedback.DefaultSurveyExpiry {
		t.Fatalf("expiry %v", got)
	}
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM survey_links WHERE token_hash = $1`, feedback.SurveyTokenHash(token)).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("hash stored %d times, %v", stored, err)
	}
	var plain int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM survey_links WHERE position($1::bytea IN token_hash) > 0`, []byte(token)).Scan(&plain); err != nil || plain != 0 {
		t.Fatalf("token stored in clear: %d, %v", plain, err)
	}

	got, err := s.SurveyByToken(ctx, token)
	if err != nil || got.ID != link.ID || got.Answered() || got.Outcome != feedback.Lost {
		t.Fatalf("SurveyByToken = %+v, %v", got, err)
	}

	a := feedback.SurveyAnswer{ChoseOther: hostile, ChangeMind: "A pilot", TalkAgain: "maybe", Ease: "7"}
	before := jobCount(t, pool, "tag_feedback")
	ans, err := s.AnswerSurvey(ctx, token, a)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Source != feedback.SourceBuyerSurvey || ans.WhatDidnt != hostile || ans.Verbatim != "A pilot" {
		t.Fatalf("answer %+v", ans)
	}
	if n := jobCount(t, pool, "tag_feedback"); n != before+1 {
		t.Fatalf("tag jobs %d, want %d", n, before+1)
	}
	if n := jobCount(t, pool, "survey_answered"); n != 1 {
		t.Fatalf("rep notices %d, want 1", n)
	}
	reply, err := s.SurveyReply(ctx, ans.ID)
	if err != nil {
		t.Fatal(err)
	}
	if reply.Answer.WhatDidnt != hostile || reply.Ease == nil || *reply.Ease != 7 || reply.MayQuote || reply.TalkAgain != "maybe" ||
		reply.Link.FeedbackID != rep.ID {
		t.Fatalf("reply %+v", reply)
	}
	if _, err := s.AnswerSurvey(ctx, token, a); !errors.Is(err, feedback.ErrSurveyAnswered) {
		t.Fatalf("second answer: %v, want ErrSurveyAnswered", err)
	}
	if got, err := s.SurveyByToken(ctx, token); err != nil || got.AnswerID != ans.ID {
		t.Fatalf("answered link = %+v, %v", got, err)
	}
	// The buyer's words are theirs: the rep cannot edit them.
	if _, _, err := s.EditFeedback(ctx, ans.ID, "U0REP", "VEDIT", false, ans); !errors.Is(err, feedback.ErrForbidden) {
		t.Fatalf("edit of a buyer's answer: %v", err)
	}
	// No link for a buyer's answer.
	if _, _, err := s.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: ans.ID, Operator: true}); !errors.Is(err, feedback.ErrSurveyOfSurvey) {
		t.Fatalf("link of an answer: %v", err)
	}

	// Expired: the same answer as unknown; the sweep deletes the hash.
	*now = now.Add(feedback.DefaultSurveyExpiry + time.Second)
	if _, err := s.SurveyByToken(ctx, token); !errors.Is(err, feedback.ErrSurveyGone) {
		t.Fatalf("expired: %v", err)
	}
	if n, err := s.SweepSurveyTokens(ctx); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v", n, err)
	}
	var answers int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM survey_answers`).Scan(&answers); err != nil || answers != 1 {
		t.Fatalf("answers after sweep %d, %v", answers, err)
	}
}

func TestSurveyGoneAndRevoked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	rep := savedRep(t, s, "V1")
	token, link, err := s.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: rep.ID, By: "U0REP", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	unknown, _ := feedback.NewSurveyToken()
	for _, tok := range []string{unknown, "", "short", strings.Repeat("é", 43)} {
		if _, err := s.SurveyByToken(ctx, tok); !errors.Is(err, feedback.ErrSurveyGone) {
			t.Fatalf("token %q: %v", tok, err)
		}
		if _, err := s.AnswerSurvey(ctx, tok, feedback.SurveyAnswer{ChoseOther: "x"}); !errors.Is(err, feedback.ErrSurveyGone) {
			t.Fatalf("answer with %q: %v", tok, err)
		}
	}
	if _, err := s.RevokeSurveyLink(ctx, link.ID, "U0OTHER", false); !errors.Is(err, feedback.ErrForbidden) {
		t.Fatalf("revoke by another: %v", err)
	}
	if ok, err := s.RevokeSurveyLink(ctx, link.ID, "U0REP", false); err != nil || !ok {
		t.Fatalf("revoke = %v, %v", ok, err)
	}
	if ok, err := s.RevokeSurveyLink(ctx, link.ID, "U0REP", false); err != nil || ok {
		t.Fatalf("second revoke = %v, %v", ok, err)
	}
	if _, err := s.SurveyByToken(ctx, token); !errors.Is(err, feedback.ErrSurveyGone) {
		t.Fatalf("revoked: %v", err)
	}
	if _, err := s.AnswerSurvey(ctx, token, feedback.SurveyAnswer{ChoseOther: "x"}); !errors.Is(err, feedback.ErrSurveyGone) {
		t.Fatalf("answer to revoked: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM feedback WHERE source = 'buyer_survey'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("answers stored %d, %v", n, err)
	}
}

func TestSurveyTwoTabsStoreOneAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	rep := savedRep(t, s, "V1")
	token, _, err := s.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: rep.ID, Operator: true})
	if err != nil {
		t.Fatal(err)
	}
	const tabs = 8
	var wg sync.WaitGroup
	errs := make([]error, tabs)
	for i := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.AnswerSurvey(ctx, token, feedback.SurveyAnswer{ChoseOther: "tab", Ease: "5"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, feedback.ErrSurveyAnswered):
			t.Fatalf("tab: %v", err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM feedback WHERE source = 'buyer_survey'`).Scan(&n); err != nil || ok != 1 || n != 1 {
		t.Fatalf("%d tabs succeeded, %d answers stored (%v); want 1 and 1", ok, n, err)
	}
}

func TestSurveyAnswerValidate(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", feedback.MaxSurveyText+1)
	tests := []struct {
		name    string
		outcome feedback.Outcome
		a       feedback.SurveyAnswer
		field   string
		want    string
	}{
		{"nothing", feedback.Lost, feedback.SurveyAnswer{}, feedback.SurveyChoseOther, "at least one"},
		{"blank only", feedback.Won, feedback.SurveyAnswer{ChoseUs: "  "}, feedback.SurveyChoseUs, "at least one"},
		{"too long", feedback.Won, feedback.SurveyAnswer{NearlyStopped: long}, feedback.SurveyNearlyStopped, "limit is 2000"},
		{"invalid utf-8", feedback.Lost, feedback.SurveyAnswer{ChangeMind: "\xff"}, feedback.SurveyChangeMind, "invalid characters"},
		{"ease 11", feedback.Lost, feedback.SurveyAnswer{Ease: "11"}, feedback.SurveyEase, "0 to 10"},
		{"ease 07", feedback.Lost, feedback.SurveyAnswer{Ease: "07"}, feedback.SurveyEase, "0 to 10"},
		{"ease words", feedback.Won, feedback.SurveyAnswer{Ease: "ten"}, feedback.SurveyEase, "0 to 10"},
		{"talk again odd", feedback.Lost, feedback.SurveyAnswer{TalkAgain: "never"}, feedback.SurveyTalkAgain, "yes, maybe or no"},
		{"valid ease only", feedback.Won, feedback.SurveyAnswer{Ease: "0"}, "", ""},
		{"valid 2000", feedback.Won, feedback.SurveyAnswer{ChoseUs: long[1:]}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := tt.a.Validate(tt.outcome)
			if tt.field == "" {
				if errs != nil {
					t.Fatalf("errors %v", errs)
				}
				return
			}
			if !strings.Contains(errs[tt.field], tt.want) {
				t.Fatalf("errors %v, want %q on %s", errs, tt.want, tt.field)
			}
		})
	}
}
