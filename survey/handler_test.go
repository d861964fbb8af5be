package survey_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/crm"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/survey"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// hostile is what a buyer might type to break a page, a Slack message or a digest.
const hostile = "</textarea><script>alert(1)</script> <!channel> <@U0ADMIN> &amp; *bold* \"q\" 'x' 😅"

// env is the real listener (crm.NewHandler with the survey mounted) on a real server,
// over a real PostgreSQL, with a clock the test moves.
type env struct {
	t     *testing.T
	store *feedback.Store
	pool  *pgxpool.Pool
	srv   *httptest.Server
	mu    sync.Mutex
	now   time.Time
}

func newEnv(t *testing.T, opts survey.Options) *env {
	t.Helper()
	e := &env{t: t, pool: pgtest.New(t), now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)}
	store, err := feedback.NewStore(e.pool, feedback.StoreOptions{Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	e.store = store
	opts.Store, opts.Now = store, e.clock
	if opts.TokenRate == 0 {
		opts.TokenRate, opts.AddrRate = -1, -1
	}
	h := crm.NewHandler(crm.Options{Store: store, Org: feedbacktest.Org(), Secret: "0123456789abcdef0123", Rate: -1,
		Survey: survey.NewHandler(opts)})
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// link files a rep's item with the given outcome and returns a survey link's token.
func (e *env) link(outcome string) (string, feedback.SurveyLink) {
	e.t.Helper()
	ctx := context.Background()
	d := feedback.Draft{ReporterID: "U0REP", Outcome: outcome, Account: "Acme <Corp>", Competitors: []string{"Gong"},
		WhatDidnt: "Too expensive", Source: feedback.SourceSlashCommand, Key: "V" + outcome + e.now.String()}
	f, errs := d.Validate(feedback.Rules{Reasons: []string{"price"}, Currency: "USD"})
	if errs != nil {
		e.t.Fatal(errs)
	}
	saved, _, err := e.store.SaveFeedback(ctx, f)
	if err != nil {
		e.t.Fatal(err)
	}
	token, l, err := e.store.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: saved.ID, By: "U0REP"})
	if err != nil {
		e.t.Fatal(err)
	}
	return token, l
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(method, path, contentType, body string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, string(b)}
}

func (e *env) get(token string) response { return e.do("GET", "/s/"+token, "", "") }

func (e *env) post(token string, v url.Values) response {
	return e.do("POST", "/s/"+token, "application/x-www-form-urlencoded", v.Encode())
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// csrf opens the page as a browser would and returns the form's CSRF token.
func (e *env) csrf(token string) string {
	e.t.Helper()
	r := e.get(token)
	m := csrfField.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		e.t.Fatalf("GET = %d without a CSRF field:\n%s", r.status, r.body)
	}
	return m[1]
}

func (e *env) answers() int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM feedback WHERE source = 'buyer_survey'`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	var m int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM survey_answers`).Scan(&m); err != nil || m != n {
		e.t.Fatalf("survey_answers %d, buyer_survey feedback %d (%v)", m, n, err)
	}
	return n
}

func checkHeaders(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	for k, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestLinkPageAnswerStoredOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, survey.Options{Company: "Initech & <Co>"})
	token, link := e.link("won")
	page := e.get(token)
	checkHeaders(t, page.header)
	if page.status != 200 || page.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET = %d %v", page.status, page.header)
	}
	for _, want := range []string{"What made you choose Initech &amp; &lt;Co&gt;?", `<label for="chose_us">`, `<label for="nearly_stopped">`,
		`<label for="looked_at">`, `<label for="may_quote">`, `<label for="ease-0">`, `<label for="ease-10">`, `href="/s/static/survey.css"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "<script") || strings.Contains(page.body, "<style") || strings.Contains(page.body, "style=") ||
		strings.Contains(page.body, "may_quote\" value=\"yes\" checked") {
		t.Errorf("page has script, inline style or a pre-ticked quote box:\n%s", page.body)
	}
	css := e.do("GET", "/s/static/survey.css", "", "")
	if css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet = %d %q", css.status, css.header.Get("Content-Type"))
	}

	v := url.Values{"csrf": {e.csrf(token)}, "chose_us": {hostile}, "nearly_stopped": {"The security review\r\ntook weeks"},
		"looked_at": {"Gong, Clari"}, "ease": {"8"}, "may_quote": {"yes"}}
	r := e.post(token, v)
	checkHeaders(t, r.header)
	if r.status != 200 || !strings.Contains(r.body, "Thank you") {
		t.Fatalf("POST = %d\n%s", r.status, r.body)
	}
	if n := e.answers(); n != 1 {
		t.Fatalf("%d answers stored", n)
	}
	reply := storedReply(t, e)
	if reply.Answer.WhatWorked != hostile || reply.Answer.WhatDidnt != "The security review\r\ntook weeks" || reply.Answer.Verbatim != "Gong, Clari" ||
		reply.Ease == nil || *reply.Ease != 8 || !reply.MayQuote || reply.Link.ID != link.ID || reply.Answer.Source != feedback.SourceBuyerSurvey {
		t.Fatalf("stored %+v", reply)
	}

	// A second visit says it was answered; a second answer (a replayed POST) is refused.
	if again := e.get(token); again.status != 200 || !strings.Contains(again.body, "Already answered") || strings.Contains(again.body, "<form") {
		t.Fatalf("second GET = %d\n%s", again.status, again.body)
	}
	if replay := e.post(token, v); replay.status != http.StatusConflict || !strings.Contains(replay.body, "Already answered") {
		t.Fatalf("replayed POST = %d\n%s", replay.status, replay.body)
	}
	if n := e.answers(); n != 1 {
		t.Fatalf("%d answers after the replay", n)
	}
}

func storedReply(t *testing.T, e *env) feedback.SurveyReply {
	t.Helper()
	var id int64
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM feedback WHERE source = 'buyer_survey'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	r, err := e.store.SurveyReply(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestUnknownExpiredRevokedSame404(t *testing.T) {
	t.Parallel()
	e := newEnv(t, survey.Options{})
	unknown, _ := feedback.NewSurveyToken()
	want := e.get(unknown)
	checkHeaders(t, want.header)
	if want.status != 404 || !strings.Contains(want.body, "This link does not work") {
		t.Fatalf("unknown = %d\n%s", want.status, want.body)
	}
	revoked, l := e.link("lost")
	revokedCSRF := e.csrf(revoked)
	if _, err := e.store.RevokeSurveyLink(context.Background(), l.ID, "U0REP", false); err != nil {
		t.Fatal(err)
	}
	expired, _ := e.link("won")
	expiredCSRF := e.csrf(expired)
	e.advance(feedback.DefaultSurveyExpiry + time.Minute)
	for name, path := range map[string]string{"revoked": revoked, "expired": expired, "junk": "not-a-token", "empty path": ""} {
		got := e.get(path)
		if got.status != 404 || got.body != want.body {
			t.Errorf("%s: %d, body differs from unknown's: %v", name, got.status, got.body != want.body)
		}
	}
	for name, p := range map[string][2]string{"revoked": {revoked, revokedCSRF}, "expired": {expired, expiredCSRF}} {
		got := e.post(p[0], url.Values{"csrf": {p[1]}, "chose_other": {"x"}, "chose_us": {"x"}})
		if got.status != 404 || got.body != want.body {
			t.Errorf("POST %s = %d", name, got.status)
		}
	}
	if got := e.post("", url.Values{"chose_us": {"x"}}); got.status != 404 {
		t.Errorf("POST without a token = %d", got.status)
	}
	if n := e.answers(); n != 0 {
		t.Fatalf("%d answers stored", n)
	}
}

func TestCSRFRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, survey.Options{})
	token, _ := e.link("lost")
	other, _ := e.link("lost")
	good := e.csrf(token)
	for name, csrf := range map[string][]string{
		"missing":          nil,
		"empty":            {""},
		"wrong":            {strings.Repeat("0", 64)},
		"another link's":   {e.csrf(other)},
		"one char changed": {good[:63] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", good[63])+1)%16])},
	} {
		v := url.Values{"chose_other": {"Gong, cheaper"}}
		if csrf != nil {
			v["csrf"] = csrf
		}
		r := e.post(token, v)
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "Nothing was saved") {
			t.Errorf("%s CSRF: %d\n%s", name, r.status, r.body)
		}
	}
	if n := e.answers(); n != 0 {
		t.Fatalf("%d answers stored", n)
	}
}

func TestLongAnswerRefusedOnFieldTextKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, survey.Options{})
	token, _ := e.link("lost")
	long := strings.Repeat("x", 10_000-len(hostile)) + hostile
	r := e.post(token, url.Values{"csrf": {e.csrf(token)}, "chose_other": {long}, "change_mind": {hostile}, "talk_again": {"maybe"}, "ease": {"3"}})
	checkHeaders(t, r.header)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("10 KB answer = %d", r.status)
	}
	for _, want := range []string{
		fmt.Sprintf(`<p class="error" id="chose_other-error">This is %d characters; the limit is 2000.`, utf8.RuneCountInString(long)),
		`aria-describedby="chose_other-error">` + html.EscapeString(long) + `</textarea>`,
		`<textarea id="change_mind" name="change_mind" rows="4">` + html.EscapeString(hostile) + `</textarea>`,
		`value="maybe" checked`, `value="3" aria-describedby="ease-hint" checked`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("error page lacks %.120q", want)
		}
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, "</textarea><script") {
		t.Fatal("hostile text shown unescaped")
	}
	if n := e.answers(); n != 0 {
		t.Fatalf("%d answers stored", n)
	}
	// The page kept the CSRF token: sending again from it works.
	m := csrfField.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("error page lost the CSRF field")
	}
	if ok := e.post(token, url.Values{"csrf": {m[1]}, "chose_other": {hostile}}); ok.status != 200 {
		t.Fatalf("corrected answer = %d", ok.status)
	}
	if reply := storedReply(t, e); reply.Answer.WhatDidnt != hostile {
		t.Fatalf("stored %q", reply.Answer.WhatDidnt)
	}
}

func TestBadBodiesChangeNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, survey.Options{})
	token, _ := e.link("won")
	csrf := e.csrf(token)
	form := "application/x-www-form-urlencoded"
	valid := "csrf=" + csrf + "&chose_us=ok"
	tests := []struct {
		name, contentType, body string
		status                  int
		says                    string
	}{
		{"1 MB body", form, valid + "&looked_at=" + strings.Repeat("a", 1<<20), 413, "larger than the form allows"},
		{"invalid UTF-8 raw", form, valid + "&looked_at=\xff\xfe", 400, "not valid UTF-8"},
		{"invalid UTF-8 encoded", form, valid + "&looked_at=%FF%FE", 400, "not valid UTF-8"},
		{"unknown field", form, valid + "&account=Evil", 400, `the form has no field &#34;account&#34;`},
		{"field twice", form, valid + "&chose_us=again", 400, `sent 2 times`},
		{"bad may_quote", form, valid + "&may_quote=1", 400, `must be &#34;yes&#34;`},
		{"JSON", "application/json", `{"chose_us":"x"}`, 415, "sent by the form"},
		{"no content type", "", valid, 415, "sent by the form"},
		{"latin-1 charset", form + "; charset=iso-8859-1", valid, 400, "not valid UTF-8"},
		{"bad escape", form, valid + "&looked_at=%zz", 400, "could not be read"},
	}
	for _, tt := range tests {
		r := e.do("POST", "/s/"+token, tt.contentType, tt.body)
		checkHeaders(t, r.header)
		if r.status != tt.status || !strings.Contains(r.body, tt.says) || !strings.Contains(r.body, "Nothing was saved") {
			t.Errorf("%s: %d, want %d saying %q:\n%s", tt.name, r.status, tt.status, tt.says, r.body)
		}
	}
	if n := e.answers(); n != 0 {
		t.Fatalf("%d answers stored", n)
	}
	// The link still works afterwards.
	if r := e.do("POST", "/s/"+token, form, valid); r.status != 200 || e.answers() != 1 {
		t.Fatalf("valid answer after junk = %d", r.status)
	}
}

func TestTwoTabsOneAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, survey.Options{})
	token, _ := e.link("lost")
	csrf := e.csrf(token)
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.post(token, url.Values{"csrf": {csrf}, "chose_other": {"tab"}}).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case http.StatusConflict:
		default:
			t.Errorf("tab got %d", c)
		}
	}
	if ok != 1 || e.answers() != 1 {
		t.Fatalf("%d tabs succeeded (%v), %d answers", ok, codes, e.answers())
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	t.Run("per token", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, survey.Options{TokenRate: 1.0 / 60, TokenBurst: 3, AddrRate: 1000, AddrBurst: 1000})
		token, _ := e.link("won")
		for i := range 3 {
			if r := e.get(token); r.status != 200 {
				t.Fatalf("request %d = %d", i, r.status)
			}
		}
		r := e.get(token)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Fatalf("4th request = %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
		// Another token from the same address is not held back by this one.
		other, _ := e.link("won")
		if r := e.get(other); r.status != 200 {
			t.Fatalf("other token = %d", r.status)
		}
		e.advance(time.Minute)
		if r := e.get(token); r.status != 200 {
			t.Fatalf("after a minute = %d", r.status)
		}
	})
	t.Run("per address guessing tokens", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, survey.Options{TokenRate: 1000, TokenBurst: 1000, AddrRate: 1.0 / 60, AddrBurst: 5})
		token, _ := e.link("won")
		for i := range 5 {
			guess, _ := feedback.NewSurveyToken()
			if r := e.get(guess); r.status != 404 {
				t.Fatalf("guess %d = %d", i, r.status)
			}
		}
		// Even the right token is refused now: the address is out of tries.
		if r := e.get(token); r.status != http.StatusTooManyRequests {
			t.Fatalf("after 5 guesses = %d", r.status)
		}
	})
}
