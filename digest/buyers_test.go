package digest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/goldenfile"
)

const buyerHostile = "<!channel> <@U0ADMIN> <https://evil.example|click> &amp; <script>alert(1)</script>"

// answerSurvey sends a link for the rep's item with key and answers it at `at`, its
// text tagged with theme.
func (f *fixture) answerSurvey(key string, linkAt, at time.Time, a feedback.SurveyAnswer, theme string) {
	f.t.Helper()
	var id int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM feedback WHERE idempotency_key = $1`, key).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	f.now = linkAt
	token, _, err := f.store.CreateSurveyLink(f.ctx, feedback.SurveyLinkRequest{FeedbackID: id, Operator: true})
	if err != nil {
		f.t.Fatal(err)
	}
	if at.IsZero() {
		return
	}
	f.now = at
	ans, err := f.store.AnswerSurvey(f.ctx, token, a)
	if err != nil {
		f.t.Fatal(err)
	}
	if theme != "" {
		if _, err := f.pool.Exec(f.ctx, `INSERT INTO feedback_themes (feedback_id, theme_id, method, confidence, rank) SELECT $1, id, 'offline', 0.8, 1 FROM themes WHERE key = $2`, ans.ID, theme); err != nil {
			f.t.Fatal(err)
		}
	}
}

// TestBuyersFromStore: response count and rate, the reps' reasons against the buyers'
// for the same deals, ease and its trend, quotes (the account only when allowed), and
// the reps' own sections untouched by the buyers' answers.
func TestBuyersFromStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	end := time.Date(2026, 11, 20, 16, 0, 0, 0, f.cfg.Location)
	p, err := testDefinitions()[0].PeriodAt(end.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	in := p.Start.Add(24 * time.Hour)
	// Reps blame price on three lost deals (k1–k3); one won deal (k4).
	for range 3 {
		f.feedbackAt(in, "U0AVA", "lost", "NA", "10k", []string{"Gong"}, []string{"price"}, []string{"price"}, "", false)
	}
	f.feedbackAt(in, "U0BEN", "won", "NA", "20k", nil, []string{"support"}, nil, "", false)
	// A deal of four weeks ago, answered then: ease 9.
	old := p.Start.Add(-3 * 7 * 24 * time.Hour)
	f.feedbackAt(old, "U0BEN", "lost", "NA", "", nil, []string{"price"}, nil, "", false)
	f.answerSurvey("k5", old, old.Add(time.Hour), feedback.SurveyAnswer{ChoseOther: "Old answer", Ease: "9"}, "")

	// This week: 4 links, 3 answers; the buyers say integration twice.
	f.answerSurvey("k1", in.Add(time.Hour), in.Add(2*time.Hour), feedback.SurveyAnswer{ChoseOther: buyerHostile, Ease: "3", MayQuote: false}, "integration")
	f.answerSurvey("k2", in.Add(time.Hour), in.Add(3*time.Hour), feedback.SurveyAnswer{ChoseOther: "Their Salesforce sync just worked", Ease: "4", MayQuote: true}, "integration")
	f.answerSurvey("k4", in.Add(time.Hour), in.Add(4*time.Hour), feedback.SurveyAnswer{ChoseUs: "Support", Ease: "8"}, "support")
	f.answerSurvey("k3", in.Add(time.Hour), time.Time{}, feedback.SurveyAnswer{}, "")

	r, err := (&Builder{Pool: f.pool, Org: f.cfg}).Build(f.ctx, testDefinitions()[0], p)
	if err != nil {
		t.Fatal(err)
	}
	b := r.Buyers
	if b == nil || b.Links != 4 || b.Answers != 3 {
		t.Fatalf("buyers %+v", b)
	}
	if rate, ok := b.Rate(); !ok || rate != 0.75 {
		t.Errorf("rate %v %v", rate, ok)
	}
	if len(b.RepReasons) == 0 || b.RepReasons[0].Key != "price" || b.RepReasons[0].Count != 2 {
		t.Errorf("reps' reasons %+v (want price 2: the two lost deals answered)", b.RepReasons)
	}
	if len(b.BuyerReasons) == 0 || b.BuyerReasons[0].Key != "integration" || b.BuyerReasons[0].Count != 2 {
		t.Errorf("buyers' reasons %+v", b.BuyerReasons)
	}
	if b.Ease == nil || *b.Ease != 5 || b.EaseAnswers != 3 || b.PreviousEase == nil || *b.PreviousEase != 9 {
		t.Errorf("ease %v (%d), previous %v", b.Ease, b.EaseAnswers, b.PreviousEase)
	}
	if len(b.Quotes) != 2 || b.Quotes[0].Account != "Account 2" || b.Quotes[0].Text != "Their Salesforce sync just worked" || b.Quotes[1].Account != "" {
		t.Errorf("quotes %+v", b.Quotes)
	}
	// The reps' numbers count reps' items only.
	if r.FeedbackItems != 4 || r.outcome(feedback.Lost).Count != 3 || r.outcome(feedback.Won).Count != 1 {
		t.Errorf("reps' counts %d items, %d lost, %d won", r.FeedbackItems, r.outcome(feedback.Lost).Count, r.outcome(feedback.Won).Count)
	}
	// Hostile text: stored byte for byte, escaped in the digest.
	var stored string
	if err := f.pool.QueryRow(f.ctx, `SELECT what_didnt FROM feedback WHERE source = 'buyer_survey' AND what_didnt LIKE '<!channel>%'`).Scan(&stored); err != nil || stored != buyerHostile {
		t.Fatalf("stored %q, %v", stored, err)
	}
	r.Buyers.Quotes = []BuyerQuote{{Text: buyerHostile, Outcome: feedback.Lost, Account: "Acme <@U0X> & Co"}}
	text, blocks := Blocks(r)
	all, _ := json.Marshal([]any{text, blocks})
	s := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(all))
	for _, bad := range []string{"<!channel>", "<@U0ADMIN>", "<https://evil", "<script>", "<@U0X>"} {
		if strings.Contains(s, bad) {
			t.Errorf("unescaped %q in the digest", bad)
		}
	}
	if !strings.Contains(s, "&lt;!channel&gt;") || !strings.Contains(s, "Acme &lt;@U0X&gt; &amp; Co") {
		t.Errorf("buyer quote missing or not escaped:\n%s", s)
	}
}

func TestBuyersRenderGolden(t *testing.T) {
	t.Parallel()
	r := fixedReport()
	ease, prev := 6.5, 7.25
	r.Buyers = &BuyerVoice{Links: 8, Answers: 5,
		RepReasons:   []ThemeCount{{Key: "price", Name: "Price or packaging", Count: 6}, {Key: "timing", Name: "Timing & priorities", Count: 1}},
		BuyerReasons: []ThemeCount{{Key: "implementation", Name: "Implementation <effort>", Count: 4}},
		Ease:         &ease, PreviousEase: &prev, EaseAnswers: 4,
		Quotes: []BuyerQuote{
			{Text: "Their onboarding plan was concrete <!here>", Outcome: feedback.Lost, Account: "Globex & Sons"},
			{Text: "You answered every security question the same day", Outcome: feedback.Won},
		}}
	text, blocks := Blocks(r)
	goldenfile.JSON(t, "digest_week_buyers", map[string]any{"text": text, "blocks": blocks})
	goldenfile.File(t, "digest_week_buyers.golden.txt", []byte(PlainText(r, nil)))
	// Links but no answer yet, no ease: the section still says so.
	r.Buyers = &BuyerVoice{Links: 2}
	goldenfile.File(t, "digest_buyers_none_answered.golden.txt", []byte(buyersOnly(PlainText(r, nil))))
}

// buyersOnly is the buyers' section of a plain-text digest.
func buyersOnly(s string) string {
	i := strings.Index(s, "In the buyers' words")
	if i < 0 {
		return ""
	}
	rest := s[i:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}
