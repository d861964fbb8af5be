// Package openaifake is a fake OpenAI-compatible chat completions endpoint for tests:
// the real go-openai client talks to it over HTTP. A test decides each answer (a
// model's reply, an error status with Retry-After, garbage, a hang) and reads back
// every request, to check what was sent.
package openaifake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Reply is one answer of the fake.
type Reply struct {
	// Status other than 200 answers an error (with RetryAfter for 429).
	Status     int
	RetryAfter time.Duration
	// Content is the assistant message; Raw, when set, is the whole body instead.
	Content string
	Raw     string
	// Delay holds the answer back (longer than the client's timeout: a hang).
	Delay time.Duration
	// Usage reports tokens; zero values are filled from the request's size.
	Usage openai.Usage
}

// Request is a recorded chat completion request.
type Request struct {
	Body     openai.ChatCompletionRequest
	Raw      []byte
	Header   http.Header
	Received time.Time
}

// Server is a running fake.
type Server struct {
	http    *httptest.Server
	mu      sync.Mutex
	reply   func(Request) Reply
	queue   []Reply
	request []Request
}

// New starts a fake that answers with reply (when its queue of one-off replies is empty).
func New(reply func(Request) Reply) *Server {
	s := &Server{reply: reply}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", s.chat)
	mux.HandleFunc("/chat/completions", s.chat)
	s.http = httptest.NewServer(mux)
	return s
}

// URL is the base URL for OPENAI_BASE_URL.
func (s *Server) URL() string { return s.http.URL + "/v1" }

// Close stops the server (hanging requests are cut).
func (s *Server) Close() {
	s.http.CloseClientConnections()
	s.http.Close()
}

// Next queues one-off replies, answered before the default one.
func (s *Server) Next(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// Requests returns what was received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.request...)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := Request{Raw: raw, Header: r.Header.Clone(), Received: time.Now()}
	_ = json.Unmarshal(raw, &req.Body)
	s.mu.Lock()
	s.request = append(s.request, req)
	var rep Reply
	if len(s.queue) > 0 {
		rep, s.queue = s.queue[0], s.queue[1:]
	} else if s.reply != nil {
		s.mu.Unlock()
		rep = s.reply(req)
		s.mu.Lock()
	}
	s.mu.Unlock()

	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.Status != 0 && rep.Status != http.StatusOK {
		if rep.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((rep.RetryAfter+time.Second-1)/time.Second)))
		}
		w.WriteHeader(rep.Status)
		fmt.Fprintf(w, `{"error":{"message":"fake error %d","type":"fake","code":"%d"}}`, rep.Status, rep.Status)
		return
	}
	if rep.Raw != "" {
		_, _ = io.WriteString(w, rep.Raw)
		return
	}
	usage := rep.Usage
	if usage.TotalTokens == 0 {
		usage.PromptTokens = len(raw) / 4
		usage.CompletionTokens = len(rep.Content) / 4
		usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	}
	_ = json.NewEncoder(w).Encode(openai.ChatCompletionResponse{
		ID: "chatcmpl-fake", Object: "chat.completion", Created: time.Now().Unix(), Model: req.Body.Model,
		Choices: []openai.ChatCompletionChoice{{Index: 0, FinishReason: openai.FinishReasonStop,
			Message: openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: rep.Content}}},
		Usage: usage,
	})
}
