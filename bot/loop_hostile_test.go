package bot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// TestHostileInputStillBroken pushes the hostile corpus through the "Still broken" form:
// each is refused on the field with nothing changed, or stored byte for byte and shown
// escaped to the owners and in the channel's thread.
func TestHostileInputStillBroken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	for i, in := range hostileCorpus() {
		reporter := fmt.Sprintf("U0HOSTB%02d", i)
		known := []string{reporter, "U0FIN"}
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			e, errs := feedback.EscalationDraft{ReporterID: reporter, Team: "billing", Summary: "Invoice sent twice", Severity: "high",
				Source: feedback.SourceSlashCommand, Key: fmt.Sprintf("host-broken-%d", i)}.Validate(h.cfg)
			if errs != nil {
				t.Fatal(errs)
			}
			e, _, err := h.store.RaiseEscalation(h.ctx, h.cfg, e)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := h.store.ApplyAct(h.ctx, h.cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0FIN", Action: feedback.ActionResolve, Note: "Credit note sent"}); err != nil {
				t.Fatal(err)
			}
			trigger := fmt.Sprintf("host-broken-press-%d", i)
			if _, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{
				Type: slack.InteractionTypeBlockActions, User: slack.User{ID: reporter}, TriggerID: trigger,
				Channel:        slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "D0HOST"}}},
				ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actStillBroken, BlockID: "answer", Value: fmt.Sprintf("%d:0", e.ID)}}},
			}); err != nil {
				t.Fatal(err)
			}
			v, m := waitModal(t, h, trigger)
			ack, err := sendInteraction(h, in, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: reporter},
				View: slack.View{ID: v.ID, CallbackID: m.CallbackID, PrivateMetadata: m.PrivateMetadata, State: state(map[string]slack.BlockAction{
					feedback.FieldReply: {Value: in.value()},
				})}})
			if err != nil {
				t.Fatal(err)
			}
			fieldErrs := submissionErrors(t, ack)
			got, err := h.store.Escalation(h.ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if in.refused {
				if fieldErrs[feedback.FieldReply] == "" {
					t.Errorf("no error on the field: %v", fieldErrs)
				}
				if got.Status != feedback.StatusResolved || got.ReporterNote != "" {
					t.Errorf("a refused answer changed it: %s %q", got.Status, blockkit.Clip(got.ReporterNote, 40))
				}
				return
			}
			if fieldErrs != nil {
				t.Fatalf("refused with %v, want it stored", fieldErrs)
			}
			if got.Status != feedback.StatusOpen || got.ReporterNote != in.want() {
				t.Fatalf("stored %s %q, want open with %q", got.Status, blockkit.Clip(got.ReporterNote, 80), blockkit.Clip(in.want(), 80))
			}
			dm, err := h.fake.WaitMessages(h.ctx, "U0FIN", 1, func(m slackfake.Message) bool {
				return strings.Contains(m.Text, fmt.Sprintf("dropped ball #%d", e.ID)) && strings.Contains(m.Text, "still broken")
			})
			if err != nil {
				t.Fatal(err)
			}
			checkShown(t, "owner's DM", dm[0].Text, dm[0].Blocks, in, known)
			thread, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool {
				return m.ThreadTS != "" && strings.Contains(m.Text, "Reopened") && m.ThreadTS == h.postTS(e.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			checkShown(t, "thread reply", "", thread[0].Blocks, in, known)
		})
	}
}

// postTS is the escalation's channel message, as recorded.
func (h *harness) postTS(id int64) string {
	e, err := h.store.Escalation(h.ctx, id)
	if err != nil {
		return ""
	}
	return e.MessageTS
}
