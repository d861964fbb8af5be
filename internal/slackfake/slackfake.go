// Package slackfake is a fake Slack for tests: a local Web API and Socket Mode
// websocket that the real slack-go client talks to over HTTP and websocket. It records
// every Web API call and the messages, views and App Home tabs they create, delivers
// slash commands, interactions and events as envelopes and waits for their acks
// (measuring the latency), redelivers an envelope whose socket dropped before the ack,
// and can answer any method with 429 + Retry-After or a 5xx.
//
// It is as strict as Slack where vosbot can go wrong: views and messages are refused
// (invalid_arguments, or invalid_blocks for a message, with response_metadata.messages)
// for Slack's limits on blocks and texts, a duplicate block_id, a static select without
// options or with over 100, an option whose text is over 75 or value over 150
// characters; the answer to a type-ahead is held to the same rules, and an ack of 20 KB
// or more is dropped. User text in a slash command and in a shortcut's message arrives
// entity-encoded, as Slack sends it (SlackText).
//
// slack-go retries 429 (honouring Retry-After) and 5xx only when the client is built with
// slack.OptionRetryConfig; vosbot's bot.NewClient does so.
package slackfake

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

// Options configure a Server.
type Options struct {
	// BotToken and AppToken are the tokens the fake accepts. Defaults: xoxb-test, xapp-test.
	BotToken, AppToken string
	// PingInterval is how often sockets are pinged (slack-go reconnects after 30 s
	// without a ping). Default 5 s.
	PingInterval time.Duration
	// AckTimeout is how long a delivery waits for its ack. Default 10 s.
	AckTimeout time.Duration
	// Logf receives a line per notable thing (t.Logf in tests).
	Logf func(format string, args ...any)
	// PermalinkBase is the workspace URL permalinks start with. Default
	// https://fake.slack.com/ (an Enterprise Grid or GovSlack workspace has its own).
	PermalinkBase string
	// SkipLimits turns off the check of Slack's limits on blocks and views: load tests
	// measure vosbot, and that check is work Slack does on its own servers.
	SkipLimits bool
}

// Server is a running fake Slack.
type Server struct {
	opts Options
	http *httptest.Server

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every recorded change
	calls    []Call
	failures map[string][]failure
	handlers map[string]func(Call) (int, any)
	delays   map[string]time.Duration
	messages map[string][]*Message
	views    map[string]*View
	homes    map[string]json.RawMessage
	missing  map[string]string
	triggers map[string]time.Time
	// users are the workspace's members by e-mail (lower case), for users.lookupByEmail.
	users map[string]User
	// usedTriggers: a trigger opens one view, as in Slack.
	usedTriggers map[string]bool
	seq          int64
	sockets      []*socket
	next         int
	pending      map[string]*delivery
	latencies    []time.Duration
	latType      []string
	dupAcks      int
	unacked      int
	hellos       int
	files        map[string]*File
	// loseAcks counts, by envelope type, the first-delivery acks still to be lost.
	loseAcks map[string]int
}

// Call is one Web API request.
type Call struct {
	Method string
	Token  string
	Form   url.Values
	JSON   json.RawMessage
	At     time.Time
}

// Param returns a request parameter from the form or the JSON body.
func (c Call) Param(name string) string {
	if v := c.Form.Get(name); v != "" {
		return v
	}
	if len(c.JSON) > 0 {
		var m map[string]json.RawMessage
		if json.Unmarshal(c.JSON, &m) == nil {
			var s string
			if json.Unmarshal(m[name], &s) == nil {
				return s
			}
			return string(m[name])
		}
	}
	return ""
}

// Message is a message as posted, updated or deleted.
type Message struct {
	Channel   string
	TS        string
	ThreadTS  string
	User      string // set for ephemeral messages: who sees it
	Ephemeral bool
	Text      string
	Blocks    json.RawMessage
	Metadata  json.RawMessage
	Updates   int
	Deleted   bool
	// Files are those shared with the message (files.completeUploadExternal).
	Files []File
}

// File is an uploaded file.
type File struct {
	ID, Name, Title, AltText string
	// Length is what files.getUploadURLExternal was told; Data what was uploaded.
	Length   int
	Data     []byte
	Uploaded bool
	// Shared is the message it was shared with, once completed.
	Shared *Message
}

// View is a modal as opened, pushed or updated.
type View struct {
	ID        string
	TriggerID string
	OpenedAt  time.Time
	Body      json.RawMessage
	Updates   int
}

type failure struct {
	status     int
	retryAfter time.Duration
	// after: the call is handled (a message posted) before the failure is answered, as
	// when Slack's answer is lost on the way back.
	after bool
	// channel, when set, limits the failure to calls for that channel.
	channel string
}

// New starts a fake Slack on 127.0.0.1.
func New(opts Options) *Server {
	if opts.BotToken == "" {
		opts.BotToken = "xoxb-test"
	}
	if opts.AppToken == "" {
		opts.AppToken = "xapp-test"
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = 5 * time.Second
	}
	if opts.AckTimeout == 0 {
		opts.AckTimeout = 10 * time.Second
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.PermalinkBase == "" {
		opts.PermalinkBase = "https://fake.slack.com/"
	}
	s := &Server{
		opts: opts, changed: make(chan struct{}), failures: map[string][]failure{}, handlers: map[string]func(Call) (int, any){}, delays: map[string]time.Duration{},
		messages: map[string][]*Message{}, views: map[string]*View{}, homes: map[string]json.RawMessage{},
		missing: map[string]string{}, triggers: map[string]time.Time{}, usedTriggers: map[string]bool{}, pending: map[string]*delivery{},
		files:    map[string]*File{},
		loseAcks: map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("/upload/", s.serveUpload)
	s.http = httptest.NewServer(mux)
	return s
}

// Close stops the server and drops every socket.
func (s *Server) Close() {
	s.DropSockets()
	s.http.Close()
}

// APIURL is the Web API base URL, for SLACK_API_URL or slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.http.URL + "/api/" }

// BotToken and AppToken are the accepted tokens.
func (s *Server) BotToken() string { return s.opts.BotToken }

// AppToken is the accepted app-level token.
func (s *Server) AppToken() string { return s.opts.AppToken }

// notify wakes every waiter; call with s.mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor polls cond (under the lock) until it holds or ctx ends.
func (s *Server) waitFor(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("slackfake: waiting for %s: %w", what, ctx.Err())
		case <-ch:
		}
	}
}

func (s *Server) nextSeq() int64 {
	s.seq++
	return s.seq
}

// ----- Web API -----

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	call := Call{Method: method, At: time.Now()}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		call.JSON = body
		call.Form = url.Values{}
	} else {
		call.Form, _ = url.ParseQuery(string(body))
		for k, v := range r.URL.Query() {
			call.Form[k] = v
		}
	}
	call.Token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if call.Token == "" {
		call.Token = call.Form.Get("token")
	}

	s.mu.Lock()
	s.calls = append(s.calls, call)
	var fail *failure
	fs := s.failures[method]
	for i := range fs {
		if fs[i].channel == "" || fs[i].channel == call.Param("channel") {
			f := fs[i]
			fail = &f
			s.failures[method] = slices.Delete(slices.Clone(fs), i, i+1)
			break
		}
	}
	handler := s.handlers[method]
	delay := s.delays[method]
	s.notify()
	s.mu.Unlock()
	// A slow method answers late but still does its work, even if the client gave up
	// waiting: Slack finishes a request it has received.
	time.Sleep(delay)

	if fail != nil && fail.after {
		if method == "apps.connections.open" || call.Token != s.opts.BotToken || handler != nil {
			panic("slackfake: FailAfterNext is for Web API methods with their default behaviour")
		}
		s.answer(call)
		s.opts.Logf("slackfake: %s handled, then answered %d", method, fail.status)
		w.WriteHeader(fail.status)
		return
	}
	if fail != nil {
		if fail.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((fail.retryAfter+time.Second-1)/time.Second)))
		}
		s.opts.Logf("slackfake: %s answered %d", method, fail.status)
		w.WriteHeader(fail.status)
		if fail.status == http.StatusTooManyRequests {
			writeJSON(w, map[string]any{"ok": false, "error": "ratelimited"})
		}
		return
	}
	wantToken := s.opts.BotToken
	if method == "apps.connections.open" {
		wantToken = s.opts.AppToken
	}
	if call.Token != wantToken {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	if handler != nil {
		status, resp := handler(call)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(resp)
		return
	}
	writeJSON(w, s.answer(call))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(code string) map[string]any { return map[string]any{"ok": false, "error": code} }

// answer is the default behaviour of each method.
func (s *Server) answer(c Call) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	switch c.Method {
	case "auth.test":
		return map[string]any{"ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "vosbot", "team_id": "T0FAKE", "user_id": "U0BOT", "bot_id": "B0BOT"}
	case "apps.connections.open":
		return map[string]any{"ok": true, "url": strings.Replace(s.http.URL, "http://", "ws://", 1) + "/link/?ticket=" + strconv.FormatInt(s.nextSeq(), 10)}
	case "chat.postMessage":
		ch := c.Param("channel")
		if code, ok := s.missing[ch]; ok {
			return fail(code)
		}
		if ch == "" {
			return fail("channel_not_found")
		}
		if c.Param("text") == "" && c.Param("blocks") == "" {
			return fail("no_text")
		}
		if bad := s.checkMessage(c); bad != nil {
			return bad
		}
		m := &Message{Channel: ch, TS: s.ts(), ThreadTS: c.Param("thread_ts"), Text: c.Param("text"), Blocks: raw(c.Param("blocks")), Metadata: raw(c.Param("metadata"))}
		s.messages[ch] = append(s.messages[ch], m)
		return map[string]any{"ok": true, "channel": ch, "ts": m.TS, "message": map[string]any{"text": m.Text, "ts": m.TS}}
	case "chat.update":
		ch, ts := c.Param("channel"), c.Param("ts")
		m := s.find(ch, ts)
		if m == nil || m.Deleted {
			return fail("message_not_found")
		}
		if bad := s.checkMessage(c); bad != nil {
			return bad
		}
		m.Text, m.Updates = c.Param("text"), m.Updates+1
		if b := c.Param("blocks"); b != "" {
			m.Blocks = raw(b)
		}
		return map[string]any{"ok": true, "channel": ch, "ts": ts, "text": m.Text}
	case "chat.delete":
		m := s.find(c.Param("channel"), c.Param("ts"))
		if m == nil || m.Deleted {
			return fail("message_not_found")
		}
		m.Deleted = true
		return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS}
	case "chat.postEphemeral":
		ch := c.Param("channel")
		if code, ok := s.missing[ch]; ok {
			return fail(code)
		}
		if bad := s.checkMessage(c); bad != nil {
			return bad
		}
		m := &Message{Channel: ch, TS: s.ts(), User: c.Param("user"), Ephemeral: true, Text: c.Param("text"), Blocks: raw(c.Param("blocks"))}
		s.messages[ch] = append(s.messages[ch], m)
		return map[string]any{"ok": true, "message_ts": m.TS}
	case "chat.getPermalink":
		// Only Slack knows a message's link: the workspace's (or Grid org's) domain, and
		// the thread of a reply. No scope is needed.
		ch, ts := c.Param("channel"), c.Param("message_ts")
		if code, ok := s.missing[ch]; ok {
			return fail(code)
		}
		if ch == "" {
			return fail("channel_not_found")
		}
		if ts == "" {
			return fail("message_not_found")
		}
		link := s.opts.PermalinkBase + "archives/" + ch + "/p" + strings.ReplaceAll(ts, ".", "")
		if m := s.find(ch, ts); m != nil && m.ThreadTS != "" && m.ThreadTS != m.TS {
			link += "?thread_ts=" + m.ThreadTS + "&cid=" + ch
		}
		return map[string]any{"ok": true, "channel": ch, "permalink": link}
	case "conversations.open":
		users := c.Param("users")
		if users == "" {
			return fail("users_list_not_supplied")
		}
		return map[string]any{"ok": true, "channel": map[string]any{"id": "D" + strings.TrimPrefix(strings.Split(users, ",")[0], "U")}}
	case "conversations.history":
		return s.history(c)
	case "conversations.replies":
		return s.replies(c)
	case "files.getUploadURLExternal":
		return s.uploadURL(c)
	case "files.completeUploadExternal":
		return s.completeUpload(c)
	case "views.open", "views.push":
		trigger := c.Param("trigger_id")
		if trigger == "" {
			return fail("invalid_trigger_id")
		}
		if sent, ok := s.triggers[trigger]; ok && time.Since(sent) > 3*time.Second {
			return fail("expired_trigger_id")
		}
		if s.usedTriggers[trigger] {
			return fail("exchanged_trigger_id")
		}
		s.usedTriggers[trigger] = true
		var body struct {
			View json.RawMessage `json:"view"`
		}
		_ = json.Unmarshal(c.JSON, &body)
		if _, errs := s.checkView(body.View, "modal"); len(errs) > 0 {
			return invalid(errs)
		}
		v := &View{ID: fmt.Sprintf("V%08d", s.nextSeq()), TriggerID: trigger, Body: body.View, OpenedAt: c.At}
		s.views[v.ID] = v
		return map[string]any{"ok": true, "view": viewResponse(v)}
	case "views.update":
		id := c.Param("view_id")
		v, ok := s.views[id]
		if !ok {
			return fail("not_found")
		}
		var body struct {
			View json.RawMessage `json:"view"`
		}
		_ = json.Unmarshal(c.JSON, &body)
		if _, errs := s.checkView(body.View, "modal"); len(errs) > 0 {
			return invalid(errs)
		}
		v.Body, v.Updates = body.View, v.Updates+1
		return map[string]any{"ok": true, "view": viewResponse(v)}
	case "views.publish":
		var body struct {
			UserID string          `json:"user_id"`
			View   json.RawMessage `json:"view"`
		}
		_ = json.Unmarshal(c.JSON, &body)
		if body.UserID == "" {
			return fail("invalid_arguments")
		}
		if _, errs := s.checkView(body.View, "home"); len(errs) > 0 {
			return invalid(errs)
		}
		s.homes[body.UserID] = body.View
		return map[string]any{"ok": true, "view": map[string]any{"id": "VHOME" + body.UserID, "type": "home"}}
	case "users.lookupByEmail":
		return s.lookupByEmail(c)
	case "users.info":
		u := c.Param("user")
		return map[string]any{"ok": true, "user": map[string]any{"id": u, "name": strings.ToLower(u), "real_name": "User " + u, "tz": "UTC"}}
	}
	return fail("unknown_method")
}

// checkMessage applies Slack's limits to a message: at most 50 valid blocks, 40,000
// characters of text, well-formed metadata.
func (s *Server) checkMessage(c Call) map[string]any {
	if s.opts.SkipLimits {
		return nil
	}
	if utf8.RuneCountInString(c.Param("text")) > maxMessageText {
		return fail("msg_too_long")
	}
	if errs := validateBlocks(raw(c.Param("blocks")), maxMessageBlocks); len(errs) > 0 {
		// Slack answers a message's bad blocks with invalid_blocks (a view's with
		// invalid_arguments), the reasons in errors and in response_metadata.messages.
		return map[string]any{"ok": false, "error": "invalid_blocks", "errors": errs, "response_metadata": map[string]any{"messages": errs}}
	}
	if errs := messageElementErrors(c.Param("blocks")); len(errs) > 0 {
		return map[string]any{"ok": false, "error": "invalid_blocks", "errors": errs}
	}
	if md := c.Param("metadata"); md != "" {
		if _, ok := validateMetadata(md); !ok {
			return fail("invalid_metadata_format")
		}
	}
	return nil
}

func (s *Server) checkView(raw json.RawMessage, typ string) (map[string]any, []string) {
	if s.opts.SkipLimits {
		return nil, nil
	}
	obj, errs := parseViewRequest(raw, typ)
	return obj, append(errs, elementErrors(obj["blocks"], "/view/blocks")...)
}

func invalid(errs []string) map[string]any {
	return map[string]any{"ok": false, "error": "invalid_arguments", "response_metadata": map[string]any{"messages": errs}}
}

func viewResponse(v *View) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(v.Body, &m)
	if m == nil {
		m = map[string]any{}
	}
	m["id"] = v.ID
	return m
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// ts returns increasing message timestamps like Slack's: the posting second, and a
// sequence number that keeps them unique and ordered.
func (s *Server) ts() string {
	n := s.nextSeq()
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), n%1000000)
}

func (s *Server) find(channel, ts string) *Message {
	for _, m := range s.messages[channel] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// history answers conversations.history as Slack does: newest first, at most limit
// messages (default 100, at most 999), only those after oldest and up to latest (both
// exclusive unless inclusive), thread replies left out, and the rest by cursor: has_more
// and response_metadata.next_cursor, which the next call passes back.
func (s *Server) history(c Call) map[string]any {
	ch := c.Param("channel")
	if code, ok := s.missing[ch]; ok {
		return fail(code)
	}
	limit, _ := strconv.Atoi(c.Param("limit"))
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxHistoryLimit)
	oldest, _ := strconv.ParseFloat(c.Param("oldest"), 64)
	latest, _ := strconv.ParseFloat(c.Param("latest"), 64)
	inclusive := c.Param("inclusive") == "true" || c.Param("inclusive") == "1"
	withMeta := c.Param("include_all_metadata") == "true" || c.Param("include_all_metadata") == "1"
	// The cursor names the message the page starts at.
	startTS := ""
	if cur := c.Param("cursor"); cur != "" {
		b, err := base64.StdEncoding.DecodeString(cur)
		ts, ok := strings.CutPrefix(string(b), "next_ts:")
		if err != nil || !ok || ts == "" {
			return fail("invalid_cursor")
		}
		startTS = ts
	}
	var match []*Message
	msgs := s.messages[ch]
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Deleted || m.Ephemeral || (m.ThreadTS != "" && m.ThreadTS != m.TS) {
			continue
		}
		f, _ := strconv.ParseFloat(m.TS, 64)
		if oldest > 0 && (f < oldest || (f == oldest && !inclusive)) {
			continue
		}
		if latest > 0 && (f > latest || (f == latest && !inclusive)) {
			continue
		}
		match = append(match, m)
	}
	if startTS != "" {
		i := slices.IndexFunc(match, func(m *Message) bool { return m.TS == startTS })
		if i < 0 {
			return fail("invalid_cursor")
		}
		match = match[i:]
	}
	out := []map[string]any{}
	for _, m := range match[:min(limit, len(match))] {
		item := map[string]any{"type": "message", "user": "U0BOT", "bot_id": "B0BOT", "text": m.Text, "ts": m.TS}
		if len(m.Blocks) > 0 {
			item["blocks"] = m.Blocks
		}
		if withMeta && len(m.Metadata) > 0 {
			item["metadata"] = m.Metadata
		}
		out = append(out, item)
	}
	resp := map[string]any{"ok": true, "messages": out, "has_more": len(match) > limit}
	if len(match) > limit {
		resp["response_metadata"] = map[string]any{"next_cursor": base64.StdEncoding.EncodeToString([]byte("next_ts:" + match[limit].TS))}
	}
	return resp
}

// maxHistoryLimit is the most messages one conversations.history page returns.
const maxHistoryLimit = 999

// ----- control and inspection -----

// FailNext makes the next n calls of method answer status (429 with Retry-After, or 5xx).
func (s *Server) FailNext(method string, n int, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], failure{status: status, retryAfter: retryAfter})
	}
}

// Delay makes every later call of method wait d before it is handled and answered.
func (s *Server) Delay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays[method] = d
}

// FailAfterNext makes the next n calls of method do their work (post the message) and
// then answer status (a 5xx): Slack's answer lost after it acted.
func (s *Server) FailAfterNext(method string, n int, status int) {
	s.FailAfterNextIn(method, "", n, status)
}

// FailAfterNextIn is FailAfterNext for the calls about one channel only ("" for any).
func (s *Server) FailAfterNextIn(method, channel string, n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], failure{status: status, after: true, channel: channel})
	}
}

// Handle overrides one method.
func (s *Server) Handle(method string, h func(Call) (status int, body any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[method] = h
}

// SetChannelError makes posting to and reading channel fail with code (e.g.
// "not_in_channel", "channel_not_found"); "" clears it.
func (s *Server) SetChannelError(channel, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.missing, channel)
		return
	}
	s.missing[channel] = code
}

// Calls returns the recorded calls of method in order ("" for all).
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls waits until method was called at least n times.
func (s *Server) WaitCalls(ctx context.Context, method string, n int) ([]Call, error) {
	err := s.waitFor(ctx, fmt.Sprintf("%d %s calls", n, method), func() bool {
		count := 0
		for _, c := range s.calls {
			if c.Method == method {
				count++
			}
		}
		return count >= n
	})
	return s.Calls(method), err
}

// WaitRetry waits for the call of method after the one at index failed (0-based among
// that method's calls) and returns how long after it the retry came, as recorded by the
// fake; it fails when the retry is not the same request or came sooner than minGap
// (the Retry-After the failed call was answered with).
func (s *Server) WaitRetry(ctx context.Context, method string, failed int, minGap time.Duration) (time.Duration, error) {
	calls, err := s.WaitCalls(ctx, method, failed+2)
	if err != nil {
		return 0, fmt.Errorf("%s was not retried: %w", method, err)
	}
	a, b := calls[failed], calls[failed+1]
	if a.Form.Encode() != b.Form.Encode() || string(a.JSON) != string(b.JSON) {
		return 0, fmt.Errorf("the retry of %s is not the refused request:\n%s %s\n%s %s", method, a.Form.Encode(), a.JSON, b.Form.Encode(), b.JSON)
	}
	gap := b.At.Sub(a.At)
	if gap < minGap {
		return gap, fmt.Errorf("%s retried %s after the refused call, sooner than Retry-After: %s", method, gap, minGap)
	}
	return gap, nil
}

// Messages returns the messages of a channel (or DMs to a user id), oldest first.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages[channel]))
	for _, m := range s.messages[channel] {
		out = append(out, *m)
	}
	return out
}

// WaitMessages waits until channel holds at least n messages matching keep (nil: all).
func (s *Server) WaitMessages(ctx context.Context, channel string, n int, keep func(Message) bool) ([]Message, error) {
	var got []Message
	err := s.waitFor(ctx, fmt.Sprintf("%d messages in %s", n, channel), func() bool {
		got = got[:0]
		for _, m := range s.messages[channel] {
			if keep == nil || keep(*m) {
				got = append(got, *m)
			}
		}
		return len(got) >= n
	})
	return slices.Clone(got), err
}

// Views returns the modals opened so far, in order.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.views))
	for _, v := range s.views {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b View) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// WaitView waits for the modal opened with trigger.
func (s *Server) WaitView(ctx context.Context, trigger string) (View, error) {
	var got View
	err := s.waitFor(ctx, "a view opened with trigger "+trigger, func() bool {
		for _, v := range s.views {
			if v.TriggerID == trigger {
				got = *v
				return true
			}
		}
		return false
	})
	return got, err
}

// ViewOpenedAt is when the views.open call of a view arrived.
func (s *Server) ViewOpenedAt(id string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.views[id]; ok {
		return v.OpenedAt
	}
	return time.Time{}
}

// Home returns a user's last published App Home view.
func (s *Server) Home(user string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.homes[user]
}

// WaitHome waits until the user's App Home satisfies cond.
func (s *Server) WaitHome(ctx context.Context, user string, cond func(json.RawMessage) bool) (json.RawMessage, error) {
	var got json.RawMessage
	err := s.waitFor(ctx, "App Home of "+user, func() bool {
		got = s.homes[user]
		return got != nil && cond(got)
	})
	return got, err
}

// AckLatencies returns the latency of every ack so far.
func (s *Server) AckLatencies() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.latencies)
}

// AckLatenciesOf returns the latency of every ack of one envelope type.
func (s *Server) AckLatenciesOf(typ string) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for i, l := range s.latencies {
		if s.latType[i] == typ {
			out = append(out, l)
		}
	}
	return out
}

// Unacked counts deliveries that gave up without an ack; DuplicateAcks counts acks of
// envelopes already acked.
func (s *Server) Unacked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unacked
}

// DuplicateAcks counts acks for envelopes that were already acked.
func (s *Server) DuplicateAcks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dupAcks
}

// Forget drops everything recorded so far (calls, messages, views, App Homes, ack
// latencies), keeping connections, deliveries in flight and the counters: long runs
// measure their own memory, not the fake's records.
func (s *Server) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
	s.messages = map[string][]*Message{}
	s.views = map[string]*View{}
	s.homes = map[string]json.RawMessage{}
	s.triggers = map[string]time.Time{}
	s.usedTriggers = map[string]bool{}
	s.latencies, s.latType = nil, nil
}

// ----- Socket Mode -----

type socket struct {
	id     int
	conn   *websocket.Conn
	wmu    sync.Mutex
	closed chan struct{}
	once   sync.Once
}

func (k *socket) write(v any) error {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	_ = k.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return k.conn.WriteJSON(v)
}

// writeRaw writes one message, calling onWrite just before it goes out.
func (k *socket) writeRaw(msg []byte, onWrite func()) error {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	_ = k.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	onWrite()
	return k.conn.WriteMessage(websocket.TextMessage, msg)
}

func (k *socket) close() {
	k.once.Do(func() {
		close(k.closed)
		_ = k.conn.Close()
	})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	k := &socket{id: int(s.nextSeq()), conn: conn, closed: make(chan struct{})}
	s.mu.Unlock()
	hello := map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A0FAKE"},
		"debug_info":      map[string]any{"host": "slackfake", "approximate_connection_time": 3600}}
	if err := k.write(hello); err != nil {
		k.close()
		return
	}
	s.mu.Lock()
	s.sockets = append(s.sockets, k)
	s.hellos++
	s.notify()
	s.mu.Unlock()
	s.opts.Logf("slackfake: socket %d connected", k.id)
	go s.ping(k)
	s.readAcks(k)
}

func (s *Server) ping(k *socket) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-k.closed:
			return
		case <-t.C:
			k.wmu.Lock()
			err := k.conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second))
			k.wmu.Unlock()
			if err != nil {
				k.close()
				return
			}
		}
	}
}

// readAcks reads acks until the socket closes, then forgets it.
func (s *Server) readAcks(k *socket) {
	defer func() {
		k.close()
		s.mu.Lock()
		s.sockets = slices.DeleteFunc(s.sockets, func(x *socket) bool { return x == k })
		// Deliveries waiting on this socket learn it is gone.
		for _, d := range s.pending {
			if d.socket == k {
				select {
				case d.lost <- struct{}{}:
				default:
				}
			}
		}
		s.notify()
		s.mu.Unlock()
		s.opts.Logf("slackfake: socket %d closed", k.id)
	}()
	for {
		_, data, err := k.conn.ReadMessage()
		if err != nil {
			return
		}
		if len(data) >= maxAckSize {
			// Slack drops an ack this large without a word: the envelope stays unacked.
			s.opts.Logf("slackfake: ack of %d bytes dropped (Slack drops acks of 20 KB or more)", len(data))
			continue
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		d, ok := s.pending[ack.EnvelopeID]
		if !ok {
			s.dupAcks++
			s.mu.Unlock()
			continue
		}
		if d.attempt == 0 && s.loseAcks[d.typ] > 0 {
			// Not counted: the delivery is redone, as Slack does after its timeout.
			s.loseAcks[d.typ]--
			s.mu.Unlock()
			s.opts.Logf("slackfake: the ack of %s is lost", ack.EnvelopeID)
			select {
			case d.lost <- struct{}{}:
			default:
			}
			continue
		}
		delete(s.pending, ack.EnvelopeID)
		latency := time.Since(time.Unix(0, d.sent.Load()))
		s.latencies = append(s.latencies, latency)
		s.latType = append(s.latType, d.typ)
		s.notify()
		s.mu.Unlock()
		d.acked <- Ack{EnvelopeID: ack.EnvelopeID, Payload: ack.Payload, Latency: latency, Attempts: d.attempt + 1, Connection: k.id}
	}
}

// WaitConnected waits until at least n sockets are connected.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d sockets", n), func() bool { return len(s.sockets) >= n })
}

// Connections counts hellos sent: the first connection and every reconnection.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hellos
}

// Disconnect asks every socket to reconnect, as Slack does before maintenance.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	sockets := slices.Clone(s.sockets)
	s.mu.Unlock()
	for _, k := range sockets {
		_ = k.write(map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "slackfake"}})
	}
}

// LoseAcks makes the acks of the next n envelopes of type typ ("slash_commands",
// "interactive", "events_api") to be acked on their first delivery get lost, as when an ack reaches Slack too late or not at
// all: Slack then sends the envelope again, with its id, to an app that has already
// handled it. Other envelopes and the connection are not touched.
func (s *Server) LoseAcks(typ string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseAcks[typ] += n
}

// DropSockets closes every socket abruptly, without a close frame.
func (s *Server) DropSockets() {
	s.mu.Lock()
	sockets := slices.Clone(s.sockets)
	s.mu.Unlock()
	for _, k := range sockets {
		k.close()
	}
}

// Ack is what came back for an envelope.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
	// Latency is from writing the (last) envelope to reading its ack.
	Latency  time.Duration
	Attempts int
	// Connection identifies the socket that acked it (never 0).
	Connection int

	// The envelope, for Redeliver.
	typ     string
	payload json.RawMessage
}

type delivery struct {
	typ     string
	socket  *socket
	sent    atomic.Int64 // unix nanoseconds, set by the writer, read by the ack reader
	attempt int
	acked   chan Ack
	lost    chan struct{}
}

// maxAckSize is the size from which Slack silently drops a Socket Mode ack.
const maxAckSize = 20 * 1024

// ErrNotAcked means an envelope was not acked in time on any attempt.
var ErrNotAcked = errors.New("slackfake: envelope not acked")

// Envelope delivers a raw envelope of any type and waits for its ack, redelivering
// (up to 3 attempts, with retry_attempt and retry_reason) when the socket drops first.
func (s *Server) Envelope(ctx context.Context, typ string, payload json.RawMessage) (Ack, error) {
	s.mu.Lock()
	id := fmt.Sprintf("env-%d", s.nextSeq())
	s.mu.Unlock()
	return s.deliver(ctx, id, typ, payload, 0, 0)
}

// Redeliver sends an acked envelope again, with its id, as Slack does when the ack was
// lost on its way back (a connection dropped after the app acked): the next attempt
// (retry_attempt, retry_reason "timeout"), down another connection than the one that
// acked it when there is one, as Slack spreads envelopes over an app's connections.
// It waits for the ack.
func (s *Server) Redeliver(ctx context.Context, a Ack) (Ack, error) {
	if a.typ == "" || a.Attempts >= 3 {
		return Ack{}, fmt.Errorf("slackfake: %s cannot be redelivered (attempts %d)", a.EnvelopeID, a.Attempts)
	}
	return s.deliver(ctx, a.EnvelopeID, a.typ, a.payload, a.Attempts, a.Connection)
}

// deliver sends envelope id from attempt first on (Slack makes 3 in all), avoiding the
// connection numbered avoid when another is up.
func (s *Server) deliver(ctx context.Context, id, typ string, payload json.RawMessage, first, avoid int) (Ack, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*s.opts.AckTimeout)
	defer cancel()
	for attempt := first; attempt < 3; attempt++ {
		if err := s.WaitConnected(ctx, 1); err != nil {
			return Ack{}, err
		}
		s.mu.Lock()
		if len(s.sockets) == 0 {
			s.mu.Unlock()
			attempt--
			continue
		}
		k := s.sockets[s.next%len(s.sockets)]
		s.next++
		if k.id == avoid && len(s.sockets) > 1 {
			k = s.sockets[s.next%len(s.sockets)]
			s.next++
		}
		d := &delivery{typ: typ, socket: k, attempt: attempt, acked: make(chan Ack, 1), lost: make(chan struct{}, 1)}
		s.pending[id] = d
		s.mu.Unlock()

		env := map[string]any{"envelope_id": id, "type": typ, "payload": payload, "accepts_response_payload": typ == "interactive" || typ == "slash_commands"}
		if attempt > 0 {
			env["retry_attempt"], env["retry_reason"] = attempt, "timeout"
		}
		msg, err := json.Marshal(env)
		if err != nil {
			return Ack{}, err
		}
		// The clock starts when the envelope is on the wire, as Slack's does: time spent
		// queueing for the fake's own socket is not the bot's.
		if err := k.writeRaw(msg, func() { d.sent.Store(time.Now().UnixNano()) }); err != nil {
			// A socket already closed is not a delivery attempt: Slack sends the envelope
			// down another connection.
			s.opts.Logf("slackfake: writing %s to socket %d failed (%v); sending it down another", id, k.id, err)
			k.close()
			s.mu.Lock()
			s.sockets = slices.DeleteFunc(s.sockets, func(x *socket) bool { return x == k })
			delete(s.pending, id)
			s.mu.Unlock()
			attempt--
			continue
		}
		timer := time.NewTimer(s.opts.AckTimeout)
		select {
		case a := <-d.acked:
			timer.Stop()
			a.typ, a.payload = typ, payload
			return a, nil
		case <-d.lost:
			timer.Stop()
			s.opts.Logf("slackfake: socket dropped before the ack of %s; redelivering", id)
			s.forget(id)
		case <-timer.C:
			s.opts.Logf("slackfake: %s not acked within %s", id, s.opts.AckTimeout)
			s.forget(id)
		case <-ctx.Done():
			timer.Stop()
			s.forget(id)
			s.countUnacked()
			return Ack{}, fmt.Errorf("%w: %s: %v", ErrNotAcked, id, ctx.Err())
		}
	}
	s.countUnacked()
	return Ack{}, fmt.Errorf("%w: %s after 3 attempts", ErrNotAcked, id)
}

func (s *Server) forget(id string) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

func (s *Server) countUnacked() {
	s.mu.Lock()
	s.unacked++
	s.mu.Unlock()
}

// trigger registers a trigger id (making one up when empty); views.open refuses it 3 s later.
func (s *Server) trigger(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		id = fmt.Sprintf("trigger-%d", s.nextSeq())
	}
	s.triggers[id] = time.Now()
	return id
}

// SlashCommand delivers a slash command (a trigger id is made up when empty). Its text
// is what the user typed, and goes out as Slack sends it: entity-encoded (SlackText).
func (s *Server) SlashCommand(ctx context.Context, cmd slack.SlashCommand) (Ack, error) {
	cmd.TriggerID = s.trigger(cmd.TriggerID)
	cmd.Text = SlackText(cmd.Text)
	if cmd.TeamID == "" {
		cmd.TeamID, cmd.TeamDomain = "T0FAKE", "fake"
	}
	if cmd.ResponseURL == "" {
		cmd.ResponseURL = s.http.URL + "/response/" + cmd.TriggerID
	}
	payload, err := json.Marshal(cmd)
	if err != nil {
		return Ack{}, err
	}
	return s.Envelope(ctx, "slash_commands", payload)
}

// Interaction delivers a view submission, button press, shortcut, suggestion request or
// closed view (a trigger id is made up when empty). A message shortcut's message text is
// what its author typed, and goes out as Slack sends it: entity-encoded (SlackText).
// The options a suggestion request is answered with are held to Slack's limits.
func (s *Server) Interaction(ctx context.Context, cb slack.InteractionCallback) (Ack, error) {
	cb.TriggerID = s.trigger(cb.TriggerID)
	if cb.Type == slack.InteractionTypeMessageAction {
		cb.Message.Text = SlackText(cb.Message.Text)
	}
	if cb.Team.ID == "" {
		cb.Team.ID, cb.Team.Domain = "T0FAKE", "fake"
	}
	payload, err := json.Marshal(cb)
	if err != nil {
		return Ack{}, err
	}
	ack, err := s.Envelope(ctx, "interactive", payload)
	if err == nil && cb.Type == slack.InteractionTypeBlockSuggestion && !s.opts.SkipLimits {
		if errs := validateOptionsResponse(ack.Payload); len(errs) > 0 {
			return ack, fmt.Errorf("%w: %s", ErrInvalidOptions, strings.Join(errs, "; "))
		}
	}
	return ack, err
}

// ErrInvalidOptions means a suggestion request was answered with options Slack refuses
// (more than 100, text over 75 or value over 150 characters); Slack shows the user none.
var ErrInvalidOptions = errors.New("slackfake: suggestion answered with invalid options")

// Event delivers an Events API event; inner is the event object (with its "type").
func (s *Server) Event(ctx context.Context, inner any) (Ack, error) {
	ev, err := json.Marshal(inner)
	if err != nil {
		return Ack{}, err
	}
	s.mu.Lock()
	id := s.nextSeq()
	s.mu.Unlock()
	payload, err := json.Marshal(map[string]any{
		"token": "", "team_id": "T0FAKE", "api_app_id": "A0FAKE", "type": "event_callback",
		"event": json.RawMessage(ev), "event_id": fmt.Sprintf("Ev%08d", id), "event_time": time.Now().Unix(),
	})
	if err != nil {
		return Ack{}, err
	}
	return s.Envelope(ctx, "events_api", payload)
}

// ----- files -----

// Slack's limits on the external upload (files.getUploadURLExternal).
const (
	maxFileName = 255
	maxAltText  = 1000
	maxFileSize = 1 << 30
)

// uploadURL is files.getUploadURLExternal: a file id and the URL to POST its bytes to.
func (s *Server) uploadURL(c Call) map[string]any {
	name := c.Param("filename")
	length, err := strconv.Atoi(c.Param("length"))
	switch {
	case name == "":
		return invalid([]string{"[ERROR] missing required field: filename"})
	case err != nil || length <= 0 || length > maxFileSize:
		return invalid([]string{"[ERROR] length must be a positive number of bytes"})
	case utf8.RuneCountInString(name) > maxFileName:
		return invalid([]string{fmt.Sprintf("[ERROR] filename must be at most %d characters", maxFileName)})
	case utf8.RuneCountInString(c.Param("alt_txt")) > maxAltText:
		return invalid([]string{fmt.Sprintf("[ERROR] alt_txt must be at most %d characters", maxAltText)})
	}
	f := &File{ID: fmt.Sprintf("F%09d", s.nextSeq()), Name: name, AltText: c.Param("alt_txt"), Length: length}
	s.files[f.ID] = f
	return map[string]any{"ok": true, "file_id": f.ID, "upload_url": s.http.URL + "/upload/" + f.ID}
}

// serveUpload takes a file's bytes (multipart, field "file"), as files.slack.com does.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file", http.StatusBadRequest)
		return
	}
	data, err := io.ReadAll(io.LimitReader(file, maxFileSize+1))
	file.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	f, ok := s.files[id]
	switch {
	case !ok:
		http.Error(w, "unknown upload", http.StatusNotFound)
	case err != nil || len(data) != f.Length:
		// Slack refuses the completion of a file whose size is not what was announced.
		http.Error(w, fmt.Sprintf("expected %d bytes, got %d", f.Length, len(data)), http.StatusBadRequest)
	default:
		f.Data, f.Uploaded = data, true
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
	}
}

// completeUpload is files.completeUploadExternal: the uploaded files are shared in the
// channel (or the thread of thread_ts) as one message.
func (s *Server) completeUpload(c Call) map[string]any {
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(c.Param("files")), &list); err != nil || len(list) == 0 {
		return invalid([]string{"[ERROR] files must be a JSON array of {id, title}"})
	}
	ch, thread := c.Param("channel_id"), c.Param("thread_ts")
	if code, ok := s.missing[ch]; ok {
		return fail(code)
	}
	if thread != "" {
		if ch == "" {
			return invalid([]string{"[ERROR] thread_ts needs channel_id"})
		}
		if parent := s.find(ch, thread); parent == nil || parent.Deleted || (parent.ThreadTS != "" && parent.ThreadTS != parent.TS) {
			return fail("invalid_thread_ts")
		}
	}
	var files []File
	var out []map[string]any
	for _, x := range list {
		f, ok := s.files[x.ID]
		if !ok || !f.Uploaded {
			return fail("file_not_found")
		}
		if f.Shared != nil {
			return fail("file_already_completed")
		}
		f.Title = x.Title
		files = append(files, *f)
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	if ch != "" {
		m := &Message{Channel: ch, TS: s.ts(), ThreadTS: thread, Files: files}
		s.messages[ch] = append(s.messages[ch], m)
		for _, x := range list {
			s.files[x.ID].Shared = m
		}
	}
	return map[string]any{"ok": true, "files": out}
}

// replies is conversations.replies: a thread's parent and replies, oldest first, with
// their files.
func (s *Server) replies(c Call) map[string]any {
	ch, ts := c.Param("channel"), c.Param("ts")
	if code, ok := s.missing[ch]; ok {
		return fail(code)
	}
	parent := s.find(ch, ts)
	if parent == nil || parent.Deleted {
		return fail("thread_not_found")
	}
	out := []map[string]any{}
	for _, m := range s.messages[ch] {
		if m.Deleted || m.Ephemeral || (m.TS != ts && m.ThreadTS != ts) {
			continue
		}
		item := map[string]any{"type": "message", "user": "U0BOT", "text": m.Text, "ts": m.TS}
		if m.ThreadTS != "" {
			item["thread_ts"] = m.ThreadTS
		}
		if len(m.Files) > 0 {
			var fs []map[string]any
			for _, f := range m.Files {
				fs = append(fs, map[string]any{"id": f.ID, "name": f.Name, "title": f.Title, "alt_txt": f.AltText})
			}
			item["files"] = fs
		}
		out = append(out, item)
	}
	return map[string]any{"ok": true, "messages": out, "has_more": false}
}

// Files returns the files shared in a channel's messages and threads, in order.
func (s *Server) Files(channel string) []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []File
	for _, m := range s.messages[channel] {
		if m.Deleted {
			continue
		}
		shared := *m
		shared.Files = nil
		for _, f := range m.Files {
			f.Shared = &shared
			out = append(out, f)
		}
	}
	return out
}
