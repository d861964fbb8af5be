package feedback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// The reporter's answers to "did this fix it?" (after a resolution) and to a won't fix.
const (
	ActionConfirm Action = "confirm"
	ActionReopen  Action = "reopen"
	ActionAccept  Action = "accept"
	ActionReview  Action = "review"
)

// ReporterActions lists the reporter's answers.
var ReporterActions = []Action{ActionConfirm, ActionReopen, ActionAccept, ActionReview}

// NeedsReply reports whether the answer must say something: what is still wrong, or why
// leadership should look again.
func (a Action) NeedsReply() bool { return a == ActionReopen || a == ActionReview }

// Why a reporter's answer is refused.
var (
	// ErrAlreadyAnswered: the reporter (or a press a moment earlier) answered already.
	ErrAlreadyAnswered = errors.New("already answered")
	// ErrQuestionClosed: the question was not asked, or confirm_within has passed.
	ErrQuestionClosed = errors.New("the question is closed")
	// ErrStaleQuestion: the button belongs to an earlier resolution of a reopened one.
	ErrStaleQuestion = errors.New("that question was about an earlier resolution")
	// ErrReplyRequired: "still broken" and "review" must say why.
	ErrReplyRequired = errors.New("say what is still wrong")
)

// ReporterAnswer is the reporter's press on "Yes, fixed", "Still broken", "I accept" or
// "Ask leadership to review".
type ReporterAnswer struct {
	EscalationID int64
	// ReporterID is who pressed; only the escalation's reporter may answer.
	ReporterID string
	Action     Action
	// Round is the resolution the question was about: the escalation's Reopened count
	// when it was asked.
	Round int
	// Reply is what is still wrong, or why to review (required for those two).
	Reply string
}

// ReporterTransition is the reporter's side of the state machine: the status an answer
// leads to, or why it may not be given now. Resolved → confirmed (final) or open again;
// won't fix stays won't fix, accepted or sent for review. Only the reporter, only once,
// only while the question is open.
func ReporterTransition(e Escalation, a ReporterAnswer, now time.Time) (Status, error) {
	if a.ReporterID == "" || a.ReporterID != e.ReporterID {
		return e.Status, ErrForbidden
	}
	var from, to Status
	switch a.Action {
	case ActionConfirm:
		from, to = StatusResolved, StatusConfirmed
	case ActionReopen:
		from, to = StatusResolved, StatusOpen
	case ActionAccept, ActionReview:
		from, to = StatusWontFix, StatusWontFix
	default:
		return e.Status, fmt.Errorf("%w: %q is not a reporter's answer", ErrIllegalTransition, a.Action)
	}
	switch {
	case e.Status == StatusConfirmed || e.ConfirmedAt != nil || e.ReviewRequestedAt != nil:
		return e.Status, ErrAlreadyAnswered
	case a.Round != e.Reopened:
		if a.Round == e.Reopened-1 && !e.Status.Closed() {
			return e.Status, ErrAlreadyAnswered // reopened by a press a moment ago
		}
		return e.Status, ErrStaleQuestion
	case e.Status != from:
		return e.Status, fmt.Errorf("%w: it is %s", ErrIllegalTransition, strings.ToLower(e.Status.Label()))
	case e.ConfirmDueAt == nil || e.ConfirmExpiredAt != nil || now.After(*e.ConfirmDueAt):
		return e.Status, ErrQuestionClosed
	}
	if a.Action.NeedsReply() && strings.TrimSpace(a.Reply) == "" {
		return e.Status, ErrReplyRequired
	}
	if msg := checkText(a.Reply); msg != "" {
		return e.Status, fmt.Errorf("%w: %s", ErrIllegalTransition, msg)
	}
	return to, nil
}

const updateReporterAnswer = `
UPDATE escalations SET status = $2, updated_at = $3, confirmed_at = $4, review_requested_at = $5,
    reopened = $6, reporter_note = $7, resolved_at = $8, resolution = $9, confirm_due_at = $10,
    ack_due_at = $11, resolve_due_at = $12, last_reminded_at = $13, unanswered_reminders = $14
WHERE id = $1 AND status = $15 AND reopened = $16`

// AnswerAsReporter applies the reporter's answer. The row is locked and the update is
// conditional on the status and round it was read with, so two presses at once (twice
// "Yes, fixed", or "Yes, fixed" and "Still broken") make exactly one transition; the
// other gets a *RefusedError wrapping ErrAlreadyAnswered. Anyone but the reporter gets
// one wrapping ErrForbidden, and nothing changes.
//
// "Still broken" reopens it: open again, its acknowledgement and resolution clocks
// restarting now, the owners and the channel told with the reporter's words. "Ask
// leadership to review" sends a won't fix, with the words, to Org.Leadership.
func (s *Store) AnswerAsReporter(ctx context.Context, cfg *Org, a ReporterAnswer) (Escalation, Event, error) {
	now := s.now()
	var ev Event
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		ev = Event{}
		e, err := escalationWhere(ctx, tx, selectEscalationByIDForUpdate, a.EscalationID)
		if err != nil {
			return err
		}
		to, err := ReporterTransition(e, a, now)
		if err != nil {
			return &RefusedError{Err: err, Escalation: e}
		}
		from, round := e.Status, e.Reopened
		switch a.Action {
		case ActionConfirm, ActionAccept:
			e.ConfirmedAt = &now
		case ActionReview:
			e.ReviewRequestedAt, e.ReporterNote = &now, a.Reply
		case ActionReopen:
			// A fix that did not hold starts both clocks again.
			e.Reopened++
			e.ReporterNote, e.ResolvedAt, e.Resolution, e.ConfirmDueAt = a.Reply, nil, "", nil
			e.AckDueAt, e.ResolveDueAt = dueTimes(cfg, e.Team, e.Severity, now)
			e.LastRemindedAt, e.UnansweredReminders = nil, 0
		}
		e.Status = to
		tag, err := tx.Exec(ctx, updateReporterAnswer, e.ID, e.Status, now, e.ConfirmedAt, e.ReviewRequestedAt, e.Reopened,
			e.ReporterNote, e.ResolvedAt, e.Resolution, e.ConfirmDueAt, e.AckDueAt, e.ResolveDueAt, e.LastRemindedAt,
			e.UnansweredReminders, from, round)
		if err != nil {
			return fmt.Errorf("update escalation: %w", err)
		}
		if tag.RowsAffected() != 1 {
			return &RefusedError{Err: ErrAlreadyAnswered, Escalation: e}
		}
		fromStatus := string(from)
		ev = Event{EscalationID: e.ID, At: now, ActorID: a.ReporterID, Action: a.Action.eventAction(), FromStatus: &fromStatus, ToStatus: string(to), Note: a.Reply}
		if err := tx.QueryRow(ctx, insertEvent, ev.EscalationID, ev.At, ev.ActorID, ev.Action, ev.FromStatus, ev.ToStatus, nil, nil, ev.Note, nil).Scan(&ev.ID); err != nil {
			return fmt.Errorf("record event: %w", err)
		}
		jobs := []river.JobArgs{EscalationPostArgs{EscalationID: e.ID}}
		notify := func(ids ...string) {
			for _, id := range ids {
				if id != "" && id != a.ReporterID && notifies(e.Source) {
					jobs = append(jobs, EscalationNotifyArgs{EscalationID: e.ID, EventID: ev.ID, Recipient: id})
				}
			}
		}
		switch a.Action {
		case ActionConfirm:
			notify(e.OwnerID) // who fixed it hears that it held
		case ActionReopen:
			owners := slices.Clone(ownersOrAdmins(cfg, e.Team))
			if e.OwnerID != "" && !slices.Contains(owners, e.OwnerID) {
				owners = append(owners, e.OwnerID)
			}
			notify(owners...)
			notify(RecipientThread)
		case ActionReview:
			notify(cfg.Leadership()...)
			notify(RecipientThread)
		}
		return s.enqueue(ctx, tx, jobs...)
	})
	if err != nil {
		return Escalation{}, Event{}, fmt.Errorf("escalation %d: reporter's %s: %w", a.EscalationID, a.Action, err)
	}
	e, err := s.Escalation(ctx, a.EscalationID)
	return e, ev, err
}

// ownersOrAdmins are a team's owners, or the admins for a team no longer configured.
func ownersOrAdmins(cfg *Org, team string) []string {
	if t, ok := cfg.Team(team); ok {
		return t.Owners
	}
	return cfg.Admins
}

const selectExpiredQuestions = `
UPDATE escalations SET confirm_expired_at = $1
WHERE confirm_due_at < $1 AND confirmed_at IS NULL AND confirm_expired_at IS NULL AND review_requested_at IS NULL
  AND status IN ('resolved', 'wont_fix')
RETURNING id, status`

// ExpireConfirmations closes the questions nobody answered within ConfirmWithin: the
// escalation stays resolved (or won't fix), marked unconfirmed, with an "unconfirmed"
// event and its channel message updated. It returns how many it closed.
func (s *Store) ExpireConfirmations(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n = 0
		rows, err := tx.Query(ctx, selectExpiredQuestions, now)
		if err != nil {
			return err
		}
		type expired struct {
			id     int64
			status string
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (expired, error) {
			var x expired
			err := r.Scan(&x.id, &x.status)
			return x, err
		})
		if err != nil {
			return err
		}
		for _, x := range list {
			var evID int64
			if err := tx.QueryRow(ctx, insertEvent, x.id, now, "vosbot", "unconfirmed", x.status, x.status, nil, nil, "the reporter did not answer", nil).Scan(&evID); err != nil {
				return fmt.Errorf("record unconfirmed: %w", err)
			}
			if err := s.enqueue(ctx, tx, EscalationPostArgs{EscalationID: x.id}); err != nil {
				return err
			}
		}
		n = len(list)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("expire confirmations: %w", err)
	}
	return n, nil
}
