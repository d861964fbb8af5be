package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// hostileInput is one string pushed through every free-text field.
type hostileInput struct {
	name string
	text string
	// wire, when set, is the raw JSON string content sent instead of text's encoding:
	// bytes and escapes that json.Marshal would never produce (invalid UTF-8, a lone
	// surrogate), as a hostile client could.
	wire string
	// refused: the submission must come back with field errors and store nothing.
	refused bool
	// stored is what must be read back when it differs from text.
	stored string
	// slashed is what a slash command pre-fills when it differs from text: Slack sends
	// its markup (mentions, links), which vosbot shows readable.
	slashed string
}

func hostileCorpus() []hostileInput {
	return []hostileInput{
		{name: "user mention", text: "ping <@U123> now", slashed: "ping @U123 now"},
		{name: "channel mention", text: "<!channel> everyone look", slashed: "@channel everyone look"},
		{name: "here and everyone", text: "<!here> and <!everyone>", slashed: "@here and @everyone"},
		{name: "user group", text: "<!subteam^S0123|@sales> heads up", slashed: "@sales heads up"},
		{name: "channel link", text: "see <#C0123|general>", slashed: "see #general"},
		{name: "mrkdwn link", text: "<http://evil.example|click here>", slashed: "click here (http://evil.example)"},
		{name: "mailto link", text: "<mailto:ceo@example.com|the CEO>", slashed: "the CEO (ceo@example.com)"},
		{name: "ampersand and angles", text: "AT&T <b> 1 > 0 & 2 < 3"},
		{name: "pre-escaped entities", text: "&amp;lt;!channel&amp;gt; &lt;@U1&gt;"},
		{name: "html script", text: `<script>alert("x")</script><img src=x onerror=alert(1)>`},
		{name: "sql injection", text: `'); DROP TABLE feedback;--`},
		{name: "sql injection escalations", text: `Robert'); DELETE FROM escalations WHERE ''=''; --`},
		{name: "format verbs", text: "%s %d %v %!x {{.}} ${HOME} $1"},
		{name: "zero width", text: "Ac\u200bme\u200c\u200d\u2060\ufeff"},
		{name: "rtl override", text: "invoice\u202egnp.exe\u202c \u2066isolate\u2069"},
		{name: "control characters", text: "bell\x07 esc\x1b[31mred\x1b[0m del\x7f tab\tcr\r"},
		{name: "multiline quote and code", text: "first\n> not a quote\n```code``` *bold* _it_ ~strike~\n\n"},
		{name: "emoji and combining", text: "👩🏽‍💻 e\u0301 \U0001F1EB\U0001F1F7 :rotating_light:"},
		{name: "at the limit, multibyte", text: strings.Repeat("é", feedback.MaxText)},
		{name: "NUL byte", text: "before\x00after", refused: true},
		{name: "100 KB", text: strings.Repeat("0123456789", 10_000), refused: true},
		{name: "one over the limit", text: strings.Repeat("x", feedback.MaxText+1), refused: true},
		// Decoding JSON replaces a lone surrogate and each invalid byte with U+FFFD; what
		// arrives is valid text, stored as decoded (Slack itself never sends either).
		{name: "lone surrogate escape", wire: `a\ud800b`, stored: "a\uFFFDb"},
		{name: "invalid UTF-8 bytes", wire: "bad \xff\xfe bytes", stored: "bad \uFFFD\uFFFD bytes"},
	}
}

// typed is what a slash command with the text pre-fills.
func (in hostileInput) typed() string {
	if in.slashed != "" {
		return in.slashed
	}
	return in.text
}

func (in hostileInput) want() string {
	if in.stored != "" {
		return in.stored
	}
	return in.text
}

// wireMarker stands in for a hostile input's raw wire form until the payload is encoded.
const wireMarker = "HOSTILE-WIRE-MARKER"

// value is what goes in a submitted field: the text, or the marker of its wire form.
func (in hostileInput) value() string {
	if in.wire != "" {
		return wireMarker
	}
	return in.text
}

// sendInteraction delivers an interaction, writing in.wire raw into the JSON payload in
// place of the marker when it has one.
func sendInteraction(h *harness, in hostileInput, cb slack.InteractionCallback) (slackfake.Ack, error) {
	if in.wire == "" {
		return h.fake.Interaction(h.ctx, cb)
	}
	if cb.Team.ID == "" {
		cb.Team.ID, cb.Team.Domain = "T0FAKE", "fake"
	}
	payload, err := json.Marshal(cb)
	if err != nil {
		return slackfake.Ack{}, err
	}
	payload = bytes.ReplaceAll(payload, []byte(wireMarker), []byte(in.wire))
	return h.fake.Envelope(h.ctx, "interactive", payload)
}

func submissionErrors(t *testing.T, ack slackfake.Ack) map[string]string {
	t.Helper()
	if len(ack.Payload) == 0 || string(ack.Payload) == "null" {
		return nil
	}
	var resp slack.ViewSubmissionResponse
	if err := json.Unmarshal(ack.Payload, &resp); err != nil {
		t.Fatalf("ack payload %s: %v", ack.Payload, err)
	}
	if resp.ResponseAction != slack.RAErrors || len(resp.Errors) == 0 {
		t.Fatalf("submission answered %s, want the modal closed or field errors", ack.Payload)
	}
	return resp.Errors
}

// mrkdwnTexts collects every piece of text Slack renders as mrkdwn in a message or view:
// mrkdwn text objects anywhere in the blocks.
func mrkdwnTexts(raw json.RawMessage) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				if s, ok := x["text"].(string); ok {
					out = append(out, s)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	var v any
	if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
		walk(v)
	}
	return out
}

// vosbotMarkup is the mrkdwn vosbot writes itself: mentions of known users, dates, and
// links made by blockkit.Link (whose URL and label hold no raw '<', '>' or '|').
var vosbotMarkup = regexp.MustCompile(`^<(?:@([A-Z0-9]+)|!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>|&]+|https?://[^<>|\n]+\|[^<>|]+)>`)

// unsafeMrkdwn lists what in s Slack would read as markup that vosbot did not write: a
// '<' that does not open vosbot's own mention, date or link (so a mention, <!channel> or
// link typed by a user), a mention of someone other than the known users, a '>' that is
// not a block quote, and an '&' that does not start &amp;, &lt; or &gt;.
func unsafeMrkdwn(s string, knownUsers []string) []string {
	var bad []string
	badAmp := func(i int) {
		rest := s[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			bad = append(bad, fmt.Sprintf("raw & at %d: %q", i, blockkit.Clip(rest, 30)))
		}
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&':
			badAmp(i)
		case '<':
			m := vosbotMarkup.FindStringSubmatch(s[i:])
			if m == nil {
				bad = append(bad, fmt.Sprintf("markup not written by vosbot at %d: %q", i, blockkit.Clip(s[i:], 40)))
				continue
			}
			if m[1] != "" && !slices.Contains(knownUsers, m[1]) {
				bad = append(bad, fmt.Sprintf("mention of unknown user %s", m[1]))
			}
			for j := i; j < i+len(m[0]); j++ {
				if s[j] == '&' {
					badAmp(j)
				}
			}
			i += len(m[0]) - 1
		case '>':
			if (i == 0 || s[i-1] == '\n') && strings.HasPrefix(s[i:], "> ") {
				continue // vosbot's block quote
			}
			bad = append(bad, fmt.Sprintf("raw > at %d: %q", i, blockkit.Clip(s[max(0, i-20):], 40)))
		}
	}
	return bad
}

// checkShown fails unless every mrkdwn text of the message or view is safe, and the
// hostile text shows in it escaped (line by line, as quotes split it) when short
// enough to be shown whole.
func checkShown(t *testing.T, where string, text string, blocks json.RawMessage, in hostileInput, knownUsers []string) {
	t.Helper()
	checkMrkdwn(t, where, text, blocks, knownUsers)
	texts := mrkdwnTexts(blocks)
	if text != "" {
		texts = append(texts, text) // a message's text is mrkdwn too
	}
	if utf8.RuneCountInString(in.want()) > 100 {
		return
	}
	all := strings.Join(texts, "\n")
	for _, line := range strings.Split(in.want(), "\n") {
		if strings.TrimSpace(line) != "" && !strings.Contains(all, blockkit.Escape(line)) {
			t.Errorf("%s does not show %q escaped as %q:\n%s", where, line, blockkit.Escape(line), all)
		}
	}
}

// slashModal runs a slash command and returns the modal it opened.
func slashModal(t *testing.T, h *harness, command, user, trigger, text string) (slackfake.View, slack.ModalViewRequest) {
	t.Helper()
	if _, err := h.fake.SlashCommand(h.ctx, slack.SlashCommand{Command: command, Text: text, UserID: user, ChannelID: "C0SALES", TriggerID: trigger}); err != nil {
		t.Fatal(err)
	}
	return waitModal(t, h, trigger)
}

// waitModal waits for the modal opened with trigger and decodes it.
func waitModal(t *testing.T, h *harness, trigger string) (slackfake.View, slack.ModalViewRequest) {
	t.Helper()
	v, err := h.fake.WaitView(h.ctx, trigger)
	if err != nil {
		t.Fatalf("no modal opened: %v", err)
	}
	var m slack.ModalViewRequest
	if err := json.Unmarshal(v.Body, &m); err != nil {
		t.Fatal(err)
	}
	return v, m
}

// TestHostileInputFeedback pushes each hostile string through every free-text field of
// the feedback modal: it is stored byte for byte or refused with field errors (the
// modal stays open), and the confirmation DM and App Home show it escaped.
func TestHostileInputFeedback(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	textFields := []string{feedback.FieldAccount, feedback.FieldWhatWorked, feedback.FieldWhatDidnt, feedback.FieldVerbatim}
	for i, in := range hostileCorpus() {
		user := fmt.Sprintf("U0HOST%02d", i)
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			// Pre-filled from the slash command: the modal still opens, with the text as typed.
			if in.wire == "" {
				_, m := slashModal(t, h, feedbackCommand, user, fmt.Sprintf("host-%d", i), "lost "+in.text)
				_, account := feedback.SplitOutcome("lost " + in.typed())
				if got := initial(m, feedback.FieldAccount); got != blockkit.Clip(account, feedback.MaxText) {
					t.Errorf("account pre-filled %q, want %q", blockkit.Clip(got, 60), blockkit.Clip(account, 60))
				}
			}

			st := state(map[string]slack.BlockAction{
				feedback.FieldOutcome:     {SelectedOption: slack.OptionBlockObject{Value: "lost"}},
				feedback.FieldAccount:     {Value: in.value()},
				feedback.FieldCompetitors: {SelectedOptions: []slack.OptionBlockObject{{Value: in.value()}}},
				feedback.FieldWhatWorked:  {Value: in.value()},
				feedback.FieldWhatDidnt:   {Value: in.value()},
				feedback.FieldVerbatim:    {Value: in.value()},
			})
			viewID := fmt.Sprintf("VHOSTF%02d", i)
			ack, err := sendInteraction(h, in, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user},
				View: slack.View{ID: viewID, CallbackID: feedbackCallback, State: st}})
			if err != nil {
				t.Fatal(err)
			}
			errs := submissionErrors(t, ack)
			var n int
			if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM feedback WHERE idempotency_key = $1`, viewID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if in.refused {
				for _, f := range append(textFields, feedback.FieldCompetitors) {
					if errs[f] == "" {
						t.Errorf("no error on %s: %v", f, errs)
					}
				}
				if n != 0 {
					t.Errorf("a refused submission stored %d rows", n)
				}
				return
			}
			if errs != nil {
				t.Fatalf("refused with %v, want it stored", errs)
			}
			if n != 1 {
				t.Fatalf("%d rows stored, want 1", n)
			}
			// Read back from the database, byte for byte.
			var id int64
			var account, worked, didnt, verbatim string
			var competitors []string
			if err := h.pool.QueryRow(h.ctx, `SELECT id, account, what_worked, what_didnt, verbatim, competitors FROM feedback WHERE idempotency_key = $1`, viewID).
				Scan(&id, &account, &worked, &didnt, &verbatim, &competitors); err != nil {
				t.Fatal(err)
			}
			for field, got := range map[string]string{"account": account, "what_worked": worked, "what_didnt": didnt, "verbatim": verbatim} {
				if got != in.want() {
					t.Errorf("%s stored as %q, want %q", field, blockkit.Clip(got, 80), blockkit.Clip(in.want(), 80))
				}
			}
			// A competitor is a name: cleaned (URL parts, spacing) and capped, by design.
			var wantComp []string
			if name := feedback.CompetitorName(in.want()); feedback.CompetitorKey(name) != "" {
				wantComp = []string{name}
			}
			if !slices.Equal(competitors, wantComp) {
				t.Errorf("competitors stored as %q, want %q", competitors, wantComp)
			}

			dm, err := h.fake.WaitMessages(h.ctx, user, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkShown(t, "confirmation DM", dm[0].Text, dm[0].Blocks, in, []string{user})
			if !strings.Contains(readable(dm[0].Blocks), fmt.Sprintf("feedback #%d", id)) {
				t.Errorf("the DM is not this feedback's confirmation: %s", readable(dm[0].Blocks))
			}
			home := h.fake.Home(user) // published before the DM is sent
			if home == nil {
				t.Fatal("App Home not published")
			}
			checkMrkdwn(t, "App Home", "", home, []string{user})
			if short := in.want(); utf8.RuneCountInString(short) <= 100 && !strings.Contains(strings.Join(mrkdwnTexts(home), "\n"), blockkit.Escape(strings.Split(short, "\n")[0])) {
				t.Errorf("App Home does not show the account escaped: %s", readable(home))
			}
		})
	}
}

// TestHostileInputEscalation pushes each hostile string through every free-text field of
// the dropped-ball modal and the resolution note: stored byte for byte or refused with
// field errors, and the channel post, the owners' and reporter's DMs and App Homes show it
// escaped.
func TestHostileInputEscalation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	owners := []string{"U0FIN"}
	for i, in := range hostileCorpus() {
		reporter := fmt.Sprintf("U0HOSTR%02d", i)
		known := append([]string{reporter}, owners...)
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			if in.wire == "" {
				_, m := slashModal(t, h, escalationCommand, reporter, fmt.Sprintf("host-esc-%d", i), "billing "+in.text)
				_, summary := feedback.SplitTeam("billing "+in.typed(), h.cfg)
				if got := initial(m, feedback.FieldSummary); got != blockkit.Clip(summary, feedback.MaxText) {
					t.Errorf("summary pre-filled %q, want %q", blockkit.Clip(got, 60), blockkit.Clip(summary, 60))
				}
			}
			viewID := fmt.Sprintf("VHOSTE%02d", i)
			ack, err := sendInteraction(h, in, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: reporter},
				View: slack.View{ID: viewID, CallbackID: escalationCallback, State: state(map[string]slack.BlockAction{
					feedback.FieldTeam:     {SelectedOption: slack.OptionBlockObject{Value: "billing"}},
					feedback.FieldAccount:  {Value: in.value()},
					feedback.FieldSummary:  {Value: in.value()},
					feedback.FieldSeverity: {SelectedOption: slack.OptionBlockObject{Value: "high"}},
					feedback.FieldNeeded:   {Value: in.value()},
				})}})
			if err != nil {
				t.Fatal(err)
			}
			errs := submissionErrors(t, ack)
			var id int64
			var account, summary, needed string
			err = h.pool.QueryRow(h.ctx, `SELECT id, account, summary, needed FROM escalations WHERE idempotency_key = $1`, viewID).Scan(&id, &account, &summary, &needed)
			if in.refused {
				for _, f := range []string{feedback.FieldAccount, feedback.FieldSummary, feedback.FieldNeeded} {
					if errs[f] == "" {
						t.Errorf("no error on %s: %v", f, errs)
					}
				}
				if err == nil {
					t.Error("a refused submission was stored")
				}
				return
			}
			if errs != nil {
				t.Fatalf("refused with %v, want it stored", errs)
			}
			if err != nil {
				t.Fatal(err)
			}
			for field, got := range map[string]string{"account": account, "summary": summary, "needed": needed} {
				if got != in.want() {
					t.Errorf("%s stored as %q, want %q", field, blockkit.Clip(got, 80), blockkit.Clip(in.want(), 80))
				}
			}

			post, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool {
				return !m.Ephemeral && m.ThreadTS == "" && strings.HasPrefix(m.Text, fmt.Sprintf("Dropped ball #%d ", id))
			})
			if err != nil {
				t.Fatal(err)
			}
			checkShown(t, "channel post", post[0].Text, post[0].Blocks, in, known)
			ownerDM, err := h.fake.WaitMessages(h.ctx, "U0FIN", 1, func(m slackfake.Message) bool {
				return strings.Contains(string(m.Blocks), fmt.Sprintf(`"escalation_%d"`, id))
			})
			if err != nil {
				t.Fatal(err)
			}
			checkShown(t, "owner DM", ownerDM[0].Text, ownerDM[0].Blocks, in, known)
			raised, err := h.fake.WaitMessages(h.ctx, reporter, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkShown(t, "reporter DM", raised[0].Text, raised[0].Blocks, hostileInput{text: ""}, known)

			// The owner resolves it with the same text as the note.
			trigger := fmt.Sprintf("host-resolve-%d", i)
			if _, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{
				Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U0FIN"}, TriggerID: trigger,
				Channel:        slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0ESC"}}},
				ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actResolve, BlockID: "b", Value: fmt.Sprint(id)}}},
			}); err != nil {
				t.Fatal(err)
			}
			v, m := waitModal(t, h, trigger)
			ack, err = sendInteraction(h, in, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U0FIN"},
				View: slack.View{ID: v.ID, CallbackID: m.CallbackID, PrivateMetadata: m.PrivateMetadata, State: state(map[string]slack.BlockAction{
					feedback.FieldNote: {Value: in.value()},
				})}})
			if err != nil {
				t.Fatal(err)
			}
			if errs := submissionErrors(t, ack); errs != nil {
				t.Fatalf("note refused with %v", errs)
			}
			var resolution string
			if err := h.pool.QueryRow(h.ctx, `SELECT resolution FROM escalations WHERE id = $1`, id).Scan(&resolution); err != nil {
				t.Fatal(err)
			}
			if resolution != in.want() {
				t.Errorf("note stored as %q, want %q", blockkit.Clip(resolution, 80), blockkit.Clip(in.want(), 80))
			}
			resolved, err := h.fake.WaitMessages(h.ctx, reporter, 1, containing("resolved your dropped ball"))
			if err != nil {
				t.Fatal(err)
			}
			checkShown(t, "reporter's resolution DM", resolved[0].Text, resolved[0].Blocks, in, known)
			updated, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool {
				return m.TS == post[0].TS && strings.Contains(string(m.Blocks), `"resolution"`)
			})
			if err != nil {
				t.Fatal(err)
			}
			checkShown(t, "resolved channel post", updated[0].Text, updated[0].Blocks, in, known)
			if home, err := h.fake.WaitHome(h.ctx, reporter, func(v json.RawMessage) bool {
				return strings.Contains(string(v), fmt.Sprintf(`"escalation_%d_item"`, id))
			}); err != nil {
				t.Error(err)
			} else {
				checkShown(t, "reporter's App Home", "", home, hostileInput{}, known)
			}
		})
	}
}
