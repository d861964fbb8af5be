package survey_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/survey"
)

// benchHandler is the survey handler on a real store, limits off: what junk costs when
// it gets past the rate limits.
func benchHandler(b *testing.B) http.Handler {
	store, err := feedback.NewStore(pgtest.New(b), feedback.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	h := survey.NewHandler(survey.Options{Store: store, TokenRate: -1, AddrRate: -1})
	b.ResetTimer()
	return h
}

// BenchmarkJunkTokens: GET with guessed tokens of the right shape (each one read from
// PostgreSQL, answered 404), in parallel.
func BenchmarkJunkTokens(b *testing.B) {
	h := benchHandler(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tok, _ := feedback.NewSurveyToken()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/s/"+tok, nil))
			if w.Code != 404 {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}

// BenchmarkJunkShapes: GET with paths that are not tokens (refused without the database).
func BenchmarkJunkShapes(b *testing.B) {
	h := benchHandler(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/s/wp-login.php", nil))
			if w.Code != 404 {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}

// BenchmarkJunkPosts: 60 KB POST bodies that are not the form (refused before the
// database).
func BenchmarkJunkPosts(b *testing.B) {
	h := benchHandler(b)
	tok, _ := feedback.NewSurveyToken()
	body := strings.Repeat("x", 60<<10)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("POST", "/s/"+tok, strings.NewReader(body))
			r.Header.Set("Content-Type", "text/plain")
			h.ServeHTTP(w, r)
			if w.Code != http.StatusUnsupportedMediaType {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}
