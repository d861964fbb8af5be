package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// soakSample is the process's memory and goroutines at one moment, after a GC.
type soakSample struct {
	at         time.Duration
	heap       uint64
	goroutines int
}

// TestSoak runs mixed traffic (feedback through the modal, dropped balls raised,
// acknowledged and resolved, App Home opens, type-ahead, now and then a dropped socket)
// for VOS_SOAK_DURATION (default 10m), sampling heap and goroutines every few seconds,
// and fails when either grows: the median of the last quarter of samples against the
// median of the first quarter (after a warm-up). On demand only:
//
//	VOS_SOAK=1 go test ./bot -run TestSoak -v -timeout 20m
//
// (VOS_SOAK_DURATION=1m for a quick look). vosbot's own logs are dropped: the samples
// measure vosbot, not the test's log.
func TestSoak(t *testing.T) {
	if os.Getenv("VOS_SOAK") != "1" {
		t.Skip("soak test: set VOS_SOAK=1 (and optionally VOS_SOAK_DURATION, default 10m) to run it")
	}
	duration := 10 * time.Minute
	if d, err := time.ParseDuration(os.Getenv("VOS_SOAK_DURATION")); err == nil && d > 0 {
		duration = d
	}
	every := max(duration/120, time.Second)
	h := newHarnessOn(t, escalationOrg, pgtest.ConnString(t), true)
	// The harness context would end the run after a minute.
	ctx, cancel := context.WithTimeout(context.Background(), duration+2*time.Minute)
	defer cancel()
	h.ctx = ctx

	// Traffic holds the read side; sampling takes the write side, so the fake's records
	// are dropped between whole cycles, never under a waiting worker.
	var gate sync.RWMutex
	var cycles, failures int64
	var countMu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const workers = 6
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				gate.RLock()
				err := soakCycle(h, w, i)
				gate.RUnlock()
				countMu.Lock()
				cycles++
				if err != nil {
					failures++
					if failures <= 10 {
						t.Errorf("worker %d cycle %d: %v", w, i, err)
					}
				}
				countMu.Unlock()
				time.Sleep(150 * time.Millisecond) // a steady load, not a flood
			}
		})
	}

	var samples []soakSample
	start := time.Now()
	tick := time.NewTicker(every)
	for time.Since(start) < duration {
		<-tick.C
		gate.Lock()
		h.fake.Forget()
		if time.Since(start) > duration/2 && len(samples)%20 == 0 {
			h.fake.DropSockets() // a reconnection now and then, under traffic
		}
		gate.Unlock()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s := soakSample{at: time.Since(start), heap: ms.HeapAlloc, goroutines: runtime.NumGoroutine()}
		samples = append(samples, s)
		countMu.Lock()
		t.Logf("%6s heap %6.1f MiB goroutines %4d cycles %d", s.at.Round(time.Second), float64(s.heap)/(1<<20), s.goroutines, cycles)
		countMu.Unlock()
	}
	tick.Stop()
	close(stop)
	wg.Wait()

	if n := h.fake.Unacked(); n != 0 {
		t.Errorf("%d envelopes never acked", n)
	}
	if len(samples) < 8 {
		t.Fatalf("only %d samples", len(samples))
	}
	// The first tenth is warm-up: caches, pools and River fill up.
	steady := samples[len(samples)/10:]
	q := len(steady) / 4
	first, last := steady[:q], steady[len(steady)-q:]
	median := func(ss []soakSample, f func(soakSample) float64) float64 {
		v := make([]float64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	heap := func(s soakSample) float64 { return float64(s.heap) / (1 << 20) }
	gor := func(s soakSample) float64 { return float64(s.goroutines) }
	h0, h1 := median(first, heap), median(last, heap)
	g0, g1 := median(first, gor), median(last, gor)
	t.Logf("%d cycles (%d failed) in %s; heap %.1f → %.1f MiB, goroutines %.0f → %.0f (medians of the first and last quarter after warm-up)",
		cycles, failures, duration, h0, h1, g0, g1)
	// Growth allowed: 25% and 8 MiB of heap (the envelope dedupe keeps ids for 10
	// minutes by design), 20 goroutines (a reconnection in flight).
	if h1 > h0*1.25 && h1-h0 > 8 {
		t.Errorf("heap grew from %.1f to %.1f MiB", h0, h1)
	}
	if g1 > g0+20 {
		t.Errorf("goroutines grew from %.0f to %.0f", g0, g1)
	}
}

// soakCycle is one user's turn: file feedback through the modal, open the App Home,
// use the type-ahead, and every third turn raise a dropped ball that its owner
// acknowledges and resolves.
func soakCycle(h *harness, w, i int) error {
	user := fmt.Sprintf("U0SOAK%02d", w)
	trigger := fmt.Sprintf("soak-%d-%d", w, i)
	if _, err := h.fake.SlashCommand(h.ctx, slack.SlashCommand{Command: feedbackCommand, Text: "lost Acme", UserID: user, ChannelID: "C0SALES", TriggerID: trigger}); err != nil {
		return err
	}
	v, err := h.fake.WaitView(h.ctx, trigger)
	if err != nil {
		return err
	}
	ack, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user},
		View: slack.View{ID: v.ID + "-" + trigger, CallbackID: feedbackCallback, State: feedbackState("lost", fmt.Sprintf("Acme %d", i))}})
	if err != nil {
		return err
	}
	if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
		return fmt.Errorf("feedback refused: %s", ack.Payload)
	}
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": user, "tab": "home"}); err != nil {
		return err
	}
	if _, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{Type: slack.InteractionTypeBlockSuggestion, ActionID: feedback.FieldCompetitors, Value: "Go", User: slack.User{ID: user}}); err != nil {
		return err
	}
	if i%3 != 0 {
		return nil
	}
	viewID := "VSOAKESC-" + trigger
	ack, err = h.fake.Interaction(h.ctx, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user},
		View: slack.View{ID: viewID, CallbackID: escalationCallback, State: state(map[string]slack.BlockAction{
			feedback.FieldTeam:    {SelectedOption: slack.OptionBlockObject{Value: "billing"}},
			feedback.FieldSummary: {Value: "Invoice sent twice"},
		})}})
	if err != nil {
		return err
	}
	if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
		return fmt.Errorf("escalation refused: %s", ack.Payload)
	}
	var id int64
	if err := h.pool.QueryRow(h.ctx, `SELECT id FROM escalations WHERE idempotency_key = $1`, viewID).Scan(&id); err != nil {
		return err
	}
	press := func(action, trig string) error {
		_, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U0FIN"}, TriggerID: trig,
			Channel:        slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0ESC"}}},
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: action, BlockID: "b", Value: fmt.Sprint(id)}}}})
		return err
	}
	if err := press(actAcknowledge, trigger+"-ack"); err != nil {
		return err
	}
	// The acknowledgement is applied after the ack; resolving waits for it.
	for {
		var status string
		if err := h.pool.QueryRow(h.ctx, `SELECT status FROM escalations WHERE id = $1`, id).Scan(&status); err != nil {
			return err
		}
		if status == string(feedback.StatusAcknowledged) {
			break
		}
		select {
		case <-h.ctx.Done():
			return h.ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := press(actResolve, trigger+"-resolve"); err != nil {
		return err
	}
	note, err := h.fake.WaitView(h.ctx, trigger+"-resolve")
	if err != nil {
		return err
	}
	ack, err = h.fake.Interaction(h.ctx, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U0FIN"},
		View: slack.View{ID: note.ID, CallbackID: escalationNoteCallback, PrivateMetadata: soakNoteMeta(note), State: state(map[string]slack.BlockAction{
			feedback.FieldNote: {Value: "Credit note sent"},
		})}})
	if err != nil {
		return err
	}
	if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
		return fmt.Errorf("resolution refused: %s", ack.Payload)
	}
	return nil
}

// soakNoteMeta reads the private metadata of an opened note modal.
func soakNoteMeta(v slackfake.View) string {
	var m slack.ModalViewRequest
	_ = json.Unmarshal(v.Body, &m)
	return m.PrivateMetadata
}
