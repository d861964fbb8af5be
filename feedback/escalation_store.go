package feedback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// escalationRow is an escalation row as selected by escalationColumns.
type escalationRow struct {
	ID             int64      `db:"id"`
	CreatedAt      time.Time  `db:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
	ReporterID     string     `db:"reporter_id"`
	Team           string     `db:"team"`
	Account        string     `db:"account"`
	Severity       string     `db:"severity"`
	RevenueCents   *int64     `db:"revenue_cents"`
	Currency       string     `db:"currency"`
	Summary        string     `db:"summary"`
	Needed         string     `db:"needed"`
	HideName       bool       `db:"hide_name"`
	Status         string     `db:"status"`
	OwnerID        *string    `db:"owner_id"`
	AckDueAt       time.Time  `db:"ack_due_at"`
	ResolveDueAt   time.Time  `db:"resolve_due_at"`
	AcknowledgedAt *time.Time `db:"acknowledged_at"`
	ResolvedAt     *time.Time `db:"resolved_at"`
	Resolution     string     `db:"resolution"`
	ChannelID      *string    `db:"channel_id"`
	MessageTS      *string    `db:"message_ts"`
	LastRemindedAt *time.Time `db:"last_reminded_at"`
	Source         string     `db:"source"`
	Key            string     `db:"idempotency_key"`

	Reopened            int        `db:"reopened"`
	ReporterNote        string     `db:"reporter_note"`
	ConfirmDueAt        *time.Time `db:"confirm_due_at"`
	ConfirmedAt         *time.Time `db:"confirmed_at"`
	ConfirmExpiredAt    *time.Time `db:"confirm_expired_at"`
	ReviewRequestedAt   *time.Time `db:"review_requested_at"`
	UnansweredReminders int        `db:"unanswered_reminders"`
	EscalatedAt         *time.Time `db:"escalated_at"`
	TopPerformer        bool       `db:"top_performer"`
}

const escalationColumns = `
    e.id, e.created_at, e.updated_at, e.reporter_id, e.team, e.account, e.severity,
    (e.revenue_at_risk * 100)::bigint AS revenue_cents, e.currency, e.summary, e.needed,
    e.hide_name, e.status, e.owner_id, e.ack_due_at, e.resolve_due_at, e.acknowledged_at,
    e.resolved_at, e.resolution, e.channel_id, e.message_ts, e.last_reminded_at, e.source,
    e.idempotency_key, e.reopened, e.reporter_note, e.confirm_due_at, e.confirmed_at, e.confirm_expired_at,
    e.review_requested_at, e.unanswered_reminders, e.escalated_at, e.top_performer`

func (r escalationRow) escalation() Escalation {
	e := Escalation{
		ID: r.ID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ReporterID: r.ReporterID, Team: r.Team,
		Account: r.Account, Severity: Severity(r.Severity), Currency: r.Currency, Summary: r.Summary, Needed: r.Needed,
		HideName: r.HideName, Status: Status(r.Status), OwnerID: deref(r.OwnerID), AckDueAt: r.AckDueAt.UTC(),
		ResolveDueAt: r.ResolveDueAt.UTC(), AcknowledgedAt: utc(r.AcknowledgedAt), ResolvedAt: utc(r.ResolvedAt),
		Resolution: r.Resolution, ChannelID: deref(r.ChannelID), MessageTS: deref(r.MessageTS),
		LastRemindedAt: utc(r.LastRemindedAt), Source: Source(r.Source), Key: r.Key,
		Reopened: r.Reopened, ReporterNote: r.ReporterNote, ConfirmDueAt: utc(r.ConfirmDueAt), ConfirmedAt: utc(r.ConfirmedAt),
		ConfirmExpiredAt: utc(r.ConfirmExpiredAt), ReviewRequestedAt: utc(r.ReviewRequestedAt),
		UnansweredReminders: r.UnansweredReminders, EscalatedAt: utc(r.EscalatedAt), TopPerformer: r.TopPerformer,
	}
	if r.RevenueCents != nil {
		e.RevenueAtRisk = &Amount{Cents: *r.RevenueCents, Currency: r.Currency}
	}
	return e
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func collectEscalations(rows pgx.Rows) ([]Escalation, error) {
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[escalationRow])
	if err != nil {
		return nil, err
	}
	out := make([]Escalation, len(rs))
	for i, r := range rs {
		out[i] = r.escalation()
	}
	return out, nil
}

const selectEscalationByID = `SELECT ` + escalationColumns + ` FROM escalations e WHERE e.id = $1`

// Escalation returns one escalation, or ErrNotFound.
func (s *Store) Escalation(ctx context.Context, id int64) (Escalation, error) {
	return escalationWhere(ctx, s.pool, selectEscalationByID, id)
}

const selectEscalationByIDForUpdate = selectEscalationByID + ` FOR UPDATE`

const selectEscalationByKey = `SELECT ` + escalationColumns + ` FROM escalations e WHERE e.idempotency_key = $1`

func escalationWhere(ctx context.Context, q querier, sql string, arg any) (Escalation, error) {
	rows, err := q.Query(ctx, sql, arg)
	if err != nil {
		return Escalation{}, fmt.Errorf("load escalation: %w", err)
	}
	es, err := collectEscalations(rows)
	if err != nil {
		return Escalation{}, fmt.Errorf("load escalation: %w", err)
	}
	if len(es) == 0 {
		return Escalation{}, fmt.Errorf("escalation %v: %w", arg, ErrNotFound)
	}
	return es[0], nil
}

// slaFor gives a team's acknowledgement and resolution windows.
func slaFor(cfg *Org, team string) (ack, resolve time.Duration) {
	ack, resolve = cfg.Escalations.AckWithin, cfg.Escalations.ResolveWithin
	if t, ok := cfg.Team(team); ok {
		ack, resolve = t.AckWithin, t.ResolveWithin
	}
	return ack, resolve
}

// dueTimes are when an escalation of the team and severity must be acknowledged and
// resolved, its clock starting at from. Non-working days do not count against the
// acknowledgement unless it is critical (BusinessHours.AckDue); the resolution is due
// on the calendar, its SLA being days long already.
func dueTimes(cfg *Org, team string, sev Severity, from time.Time) (ackDue, resolveDue time.Time) {
	ack, resolve := slaFor(cfg, team)
	ackDue = cfg.Escalations.BusinessHours.AckDue(from, ack, cfg.Location, sev)
	resolveDue = from.Add(resolve)
	if resolveDue.Before(ackDue) {
		resolveDue = ackDue
	}
	return ackDue, resolveDue
}

const insertEscalation = `
INSERT INTO escalations (created_at, updated_at, reporter_id, team, account, severity, revenue_at_risk,
    currency, summary, needed, hide_name, status, ack_due_at, resolve_due_at, source, idempotency_key, top_performer)
VALUES ($1, $1, $2, $3, $4, $5, $6::numeric / 100, $7, $8, $9, $10, 'open', $11, $12, $13, $14, $15)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id`

const insertEvent = `
INSERT INTO escalation_events (escalation_id, at, actor_id, action, from_status, to_status, from_team, to_team, note, due_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id`

// RaiseEscalation stores a new escalation once per idempotency key, with its due times
// from the team's SLA, whether its reporter is a top performer right now (ranked in the
// same transaction), the "raised" event and, in the same transaction, the jobs that
// post it to the channel, tell the team's owners and confirm to the reporter.
func (s *Store) RaiseEscalation(ctx context.Context, cfg *Org, e Escalation) (saved Escalation, created bool, err error) {
	if e.Key == "" {
		return Escalation{}, false, errors.New("raise escalation: no idempotency key")
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.now()
	}
	e.AckDueAt, e.ResolveDueAt = dueTimes(cfg, e.Team, e.Severity, e.CreatedAt)
	var id int64
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		created = false
		top, err := s.topPerformers(ctx, tx, cfg, e.CreatedAt)
		if err != nil {
			return err
		}
		_, e.TopPerformer = top[e.ReporterID]
		err = tx.QueryRow(ctx, insertEscalation, e.CreatedAt, e.ReporterID, e.Team, e.Account, e.Severity,
			centsOrNil(e.RevenueAtRisk), e.Currency, e.Summary, e.Needed, e.HideName, e.AckDueAt, e.ResolveDueAt,
			e.Source, e.Key, e.TopPerformer).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("insert escalation: %w", err)
		}
		created = true
		var eventID int64
		if err := tx.QueryRow(ctx, insertEvent, id, e.CreatedAt, e.ReporterID, "raised", nil, StatusOpen, nil, e.Team, "", nil).Scan(&eventID); err != nil {
			return fmt.Errorf("record raised event: %w", err)
		}
		// What the dropped ball was about is found in the background, like feedback's themes.
		if err := s.enqueue(ctx, tx, TagFeedbackArgs{EscalationIDs: []int64{id}}); err != nil {
			return err
		}
		if !notifies(e.Source) {
			return nil
		}
		jobs := []river.JobArgs{EscalationPostArgs{EscalationID: id}}
		if t, ok := cfg.Team(e.Team); ok {
			for _, owner := range t.Owners {
				jobs = append(jobs, EscalationNotifyArgs{EscalationID: id, EventID: eventID, Recipient: owner})
			}
		}
		if tellsReporter(e) {
			jobs = append(jobs, EscalationNotifyArgs{EscalationID: id, EventID: eventID, Recipient: e.ReporterID})
		}
		return s.enqueue(ctx, tx, jobs...)
	})
	if err != nil {
		return Escalation{}, false, fmt.Errorf("raise escalation: %w", err)
	}
	if !created {
		saved, err = escalationWhere(ctx, s.pool, selectEscalationByKey, e.Key)
		return saved, false, err
	}
	saved, err = s.Escalation(ctx, id)
	return saved, true, err
}

// Act is one owner's move on an escalation.
type Act struct {
	EscalationID int64
	ActorID      string
	Action       Action
	Note         string
	// ToTeam is the new team of a reassignment.
	ToTeam string
}

// RefusedError says why an act was refused, with the escalation as it stands so the
// person can be told who did what.
type RefusedError struct {
	Err        error
	Escalation Escalation
}

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

const updateEscalationStatus = `
UPDATE escalations SET status = $2, owner_id = $3, team = $4, acknowledged_at = $5, resolved_at = $6,
    resolution = $7, ack_due_at = $8, resolve_due_at = $9, updated_at = $10, last_reminded_at = $11,
    confirm_due_at = $12, unanswered_reminders = 0
WHERE id = $1`

// ApplyAct moves an escalation through the state machine. Only the team's owners and
// admins may act; the row is locked so two owners pressing at once produce exactly one
// transition, and the other gets a *RefusedError wrapping ErrIllegalTransition. The
// event and the jobs that update the channel message and tell the reporter (and, on a
// reassignment, the new owners) are written in the same transaction. Any act answers
// the reminders (none of them is unanswered any more). Resolving or closing asks the
// reporter "did this fix it?" for ConfirmWithin, when they are told at all.
func (s *Store) ApplyAct(ctx context.Context, cfg *Org, a Act) (Escalation, Event, error) {
	now := s.now()
	var ev Event
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		ev = Event{}
		e, err := escalationWhere(ctx, tx, selectEscalationByIDForUpdate, a.EscalationID)
		if err != nil {
			return err
		}
		if !MayAct(cfg, e.Team, a.ActorID) {
			return &RefusedError{Err: ErrForbidden, Escalation: e}
		}
		to, err := Transition(e.Status, a.Action)
		if err != nil {
			return &RefusedError{Err: err, Escalation: e}
		}
		note := strings.TrimSpace(a.Note)
		if a.Action.NeedsNote() && note == "" {
			return &RefusedError{Err: ErrNoteRequired, Escalation: e}
		}
		if msg := checkText(a.Note); msg != "" {
			return &RefusedError{Err: fmt.Errorf("%w: %s", ErrIllegalTransition, msg), Escalation: e}
		}
		from, fromTeam := e.Status, e.Team
		owner := e.OwnerID
		switch a.Action {
		case ActionAcknowledge:
			owner = a.ActorID
			e.AcknowledgedAt = &now
		case ActionResolve, ActionWontFix:
			if owner == "" {
				owner = a.ActorID
			}
			e.ResolvedAt = &now
			e.Resolution = a.Note
		case ActionReassign:
			if _, ok := cfg.Team(a.ToTeam); !ok {
				return &RefusedError{Err: fmt.Errorf("%w: %q is not a team", ErrIllegalTransition, a.ToTeam), Escalation: e}
			}
			if a.ToTeam == e.Team {
				return &RefusedError{Err: fmt.Errorf("%w: it is already with %s", ErrIllegalTransition, a.ToTeam), Escalation: e}
			}
			// A new team, a new clock: acknowledgement is due afresh.
			e.Team, owner, e.AcknowledgedAt = a.ToTeam, "", nil
			e.AckDueAt, e.ResolveDueAt = dueTimes(cfg, a.ToTeam, e.Severity, now)
			e.LastRemindedAt = nil
		}
		told := e.ReporterID != a.ActorID && tellsReporter(e)
		// The reporter is asked when told; the demo's reporters answer in its simulation.
		asks := told || (e.Source == SourceDemo && e.ReporterID != a.ActorID)
		e.ConfirmDueAt = nil
		if (a.Action == ActionResolve || a.Action == ActionWontFix) && asks && cfg.Escalations.ConfirmWithin > 0 {
			due := now.Add(cfg.Escalations.ConfirmWithin)
			e.ConfirmDueAt = &due
		}
		e.Status, e.OwnerID = to, owner
		if _, err := tx.Exec(ctx, updateEscalationStatus, e.ID, e.Status, nullIfEmpty(owner), e.Team, e.AcknowledgedAt,
			e.ResolvedAt, e.Resolution, e.AckDueAt, e.ResolveDueAt, now, e.LastRemindedAt, e.ConfirmDueAt); err != nil {
			return fmt.Errorf("update escalation: %w", err)
		}
		fromStatus := string(from)
		ev = Event{EscalationID: e.ID, At: now, ActorID: a.ActorID, Action: a.Action.eventAction(), FromStatus: &fromStatus, ToStatus: string(to), Note: a.Note}
		if a.Action == ActionReassign {
			ev.FromTeam, ev.ToTeam = &fromTeam, &e.Team
		}
		if err := tx.QueryRow(ctx, insertEvent, ev.EscalationID, ev.At, ev.ActorID, ev.Action, ev.FromStatus, ev.ToStatus, ev.FromTeam, ev.ToTeam, ev.Note, nil).Scan(&ev.ID); err != nil {
			return fmt.Errorf("record event: %w", err)
		}
		jobs := []river.JobArgs{EscalationPostArgs{EscalationID: e.ID}}
		if told {
			jobs = append(jobs, EscalationNotifyArgs{EscalationID: e.ID, EventID: ev.ID, Recipient: e.ReporterID})
		}
		if a.Action == ActionReassign {
			if t, ok := cfg.Team(e.Team); ok {
				for _, o := range t.Owners {
					jobs = append(jobs, EscalationNotifyArgs{EscalationID: e.ID, EventID: ev.ID, Recipient: o})
				}
			}
		}
		return s.enqueue(ctx, tx, jobs...)
	})
	if err != nil {
		return Escalation{}, Event{}, fmt.Errorf("escalation %d: %s: %w", a.EscalationID, a.Action, err)
	}
	e, err := s.Escalation(ctx, a.EscalationID)
	return e, ev, err
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const updateEscalationMessage = `UPDATE escalations SET channel_id = $2, message_ts = $3 WHERE id = $1`

// lockEscalationMessage serialises everyone who posts or updates one escalation's
// channel message, without blocking the row that button presses lock.
const lockEscalationMessage = `SELECT pg_advisory_xact_lock(7759219, $1::int)`

// MessageRef is the channel message an escalation lives in.
type MessageRef struct {
	ChannelID, TS string
}

// WithMessage runs show (which posts or updates the escalation's channel message) with
// that message locked, so two jobs never both post it, and records the message show
// returns. A changed message (the old one was gone) is recorded in the audit trail.
func (s *Store) WithMessage(ctx context.Context, id int64, show func(Escalation) (MessageRef, error)) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockEscalationMessage, int32(id)); err != nil {
			return fmt.Errorf("lock escalation message: %w", err)
		}
		e, err := escalationWhere(ctx, tx, selectEscalationByID, id)
		if err != nil {
			return err
		}
		ref, err := show(e)
		if err != nil {
			return err
		}
		if ref == (MessageRef{}) || (ref.ChannelID == e.ChannelID && ref.TS == e.MessageTS) {
			return nil
		}
		if _, err := tx.Exec(ctx, updateEscalationMessage, id, ref.ChannelID, ref.TS); err != nil {
			return fmt.Errorf("record escalation message: %w", err)
		}
		if e.MessageTS == "" {
			return nil
		}
		var evID int64
		if err := tx.QueryRow(ctx, insertEvent, id, s.now(), "vosbot", "reposted", e.Status, e.Status, nil, nil, "the channel message was deleted", nil).Scan(&evID); err != nil {
			return fmt.Errorf("record repost: %w", err)
		}
		return nil
	})
}

const selectEvents = `
SELECT id, escalation_id, at, actor_id, action, from_status, to_status, from_team, to_team, note, due_at
FROM escalation_events WHERE escalation_id = $1 ORDER BY at, id`

// Events returns an escalation's audit trail, oldest first.
func (s *Store) Events(ctx context.Context, escalationID int64) ([]Event, error) {
	rows, err := s.pool.Query(ctx, selectEvents, escalationID)
	if err != nil {
		return nil, fmt.Errorf("escalation events: %w", err)
	}
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Event])
	if err != nil {
		return nil, fmt.Errorf("escalation events: %w", err)
	}
	return evs, nil
}

const selectEvent = `
SELECT id, escalation_id, at, actor_id, action, from_status, to_status, from_team, to_team, note, due_at
FROM escalation_events WHERE id = $1`

// Event returns one audit-trail entry.
func (s *Store) Event(ctx context.Context, id int64) (Event, error) {
	rows, err := s.pool.Query(ctx, selectEvent, id)
	if err != nil {
		return Event{}, fmt.Errorf("escalation event: %w", err)
	}
	ev, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Event])
	if errors.Is(err, pgx.ErrNoRows) {
		return Event{}, fmt.Errorf("escalation event %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Event{}, fmt.Errorf("escalation event: %w", err)
	}
	return ev, nil
}

// selectDueReminders locks what it reminds of, skipping rows another sweep holds;
// NO KEY UPDATE, so that a row a writer only references (tagging's marks, events) is not
// skipped for nothing.
const selectDueReminders = `SELECT ` + escalationColumns + `
FROM escalations e
WHERE e.status IN ('open', 'acknowledged')
  AND ((e.status = 'open' AND e.ack_due_at < $1) OR e.resolve_due_at < $1)
  AND (e.last_reminded_at IS NULL OR e.last_reminded_at <= $1 - $2::interval)
ORDER BY e.id
FOR NO KEY UPDATE SKIP LOCKED`

const markReminded = `
UPDATE escalations SET last_reminded_at = $2, unanswered_reminders = unanswered_reminders + 1,
    escalated_at = CASE WHEN $3 THEN COALESCE(escalated_at, $2) ELSE escalated_at END
WHERE id = $1
RETURNING unanswered_reminders`

// SendDueReminders finds escalations past their acknowledgement or resolution due time
// and not reminded within remind_every, records a "reminded" event for each and
// enqueues the thread reply and the owners' DMs, all in one transaction. Several
// replicas running it at once remind each escalation once. Outside business hours
// nobody is reminded (MayRemind); the next sweep inside them does it. Once
// EscalateAfter reminders went unanswered, each further one is an "escalated" event
// that also goes to EscalateTo, and the channel message says so.
func (s *Store) SendDueReminders(ctx context.Context, cfg *Org) (int, error) {
	now := s.now()
	n := 0
	pol := cfg.Escalations
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		n = 0
		rows, err := tx.Query(ctx, selectDueReminders, now, pol.RemindEvery)
		if err != nil {
			return err
		}
		due, err := collectEscalations(rows)
		if err != nil {
			return err
		}
		for _, e := range due {
			if !pol.BusinessHours.MayRemind(now, cfg.Location, e.Severity) {
				continue
			}
			what := e.Overdue(now)
			escalate := len(pol.EscalateTo) > 0 && e.UnansweredReminders+1 > pol.EscalateAfter
			var unanswered int
			if err := tx.QueryRow(ctx, markReminded, e.ID, now, escalate).Scan(&unanswered); err != nil {
				return err
			}
			action := "reminded"
			if escalate {
				action = "escalated"
			}
			var evID int64
			dueAt := dueFor(e, what)
			if err := tx.QueryRow(ctx, insertEvent, e.ID, now, "vosbot", action, e.Status, e.Status, nil, nil, "overdue to "+what, dueAt).Scan(&evID); err != nil {
				return err
			}
			jobs := []river.JobArgs{EscalationNotifyArgs{EscalationID: e.ID, EventID: evID, Recipient: RecipientThread}}
			recipients := ReminderRecipients(cfg, e)
			for _, u := range recipients {
				jobs = append(jobs, EscalationNotifyArgs{EscalationID: e.ID, EventID: evID, Recipient: u})
			}
			if escalate {
				for _, u := range pol.EscalateTo {
					if !slices.Contains(recipients, u) {
						jobs = append(jobs, EscalationNotifyArgs{EscalationID: e.ID, EventID: evID, Recipient: u})
					}
				}
				if unanswered == pol.EscalateAfter+1 {
					// The first escalation of this silence: the channel message shows it.
					jobs = append(jobs, EscalationPostArgs{EscalationID: e.ID})
				}
			}
			if err := s.enqueue(ctx, tx, jobs...); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("escalation reminders: %w", err)
	}
	return n, nil
}

func dueFor(e Escalation, what string) time.Time {
	if what == "acknowledge" {
		return e.AckDueAt
	}
	return e.ResolveDueAt
}

// ReminderRecipients are the owner who acknowledged it, or else the team's owners (the
// admins for a team no longer configured).
func ReminderRecipients(cfg *Org, e Escalation) []string {
	if e.OwnerID != "" {
		return []string{e.OwnerID}
	}
	if t, ok := cfg.Team(e.Team); ok {
		return t.Owners
	}
	return cfg.Admins
}

const selectTeamOpen = `SELECT ` + escalationColumns + `
FROM escalations e WHERE e.team = ANY($1) AND e.status IN ('open', 'acknowledged')
ORDER BY e.ack_due_at, e.id LIMIT $2`

// OpenEscalations returns the open escalations of the teams, the most urgent first.
func (s *Store) OpenEscalations(ctx context.Context, teams []string, limit int) ([]Escalation, error) {
	rows, err := s.pool.Query(ctx, selectTeamOpen, teams, limit)
	if err != nil {
		return nil, fmt.Errorf("open escalations: %w", err)
	}
	es, err := collectEscalations(rows)
	if err != nil {
		return nil, fmt.Errorf("open escalations: %w", err)
	}
	return es, nil
}

const selectReported = `SELECT ` + escalationColumns + `
FROM escalations e WHERE e.reporter_id = $1 ORDER BY e.created_at DESC, e.id DESC LIMIT $2`

// ReportedEscalations returns what a user raised, newest first.
func (s *Store) ReportedEscalations(ctx context.Context, reporterID string, limit int) ([]Escalation, error) {
	rows, err := s.pool.Query(ctx, selectReported, reporterID, limit)
	if err != nil {
		return nil, fmt.Errorf("reported escalations: %w", err)
	}
	es, err := collectEscalations(rows)
	if err != nil {
		return nil, fmt.Errorf("reported escalations: %w", err)
	}
	return es, nil
}

// EscalationColumns are the export's columns: INTERFACE.md's, in order, then ours.
var EscalationColumns = []string{
	"id", "created_at", "reporter_id", "team", "account", "severity", "revenue_at_risk", "summary",
	"status", "owner_id", "acknowledged_at", "resolved_at", "resolution",
	"currency", "needed", "ack_due_at", "resolve_due_at", "hide_name", "source",
	"reopened", "confirmed_at", "top_performer", "escalated_at", "confirm_expired_at",
}

const selectEscalationsForExport = `SELECT ` + escalationColumns + `
FROM escalations e
WHERE ($1::timestamptz IS NULL OR e.created_at >= $1) AND ($2::timestamptz IS NULL OR e.created_at < $2)
ORDER BY e.created_at, e.id`

// ExportEscalations writes every escalation of the period, oldest first.
func (s *Store) ExportEscalations(ctx context.Context, w io.Writer, format string, p Period) (int, error) {
	tw, err := newTableWriter(w, format, EscalationColumns)
	if err != nil {
		return 0, err
	}
	rows, err := s.pool.Query(ctx, selectEscalationsForExport, timeOrNil(p.Since), timeOrNil(p.Until))
	if err != nil {
		return 0, fmt.Errorf("export escalations: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		r, err := pgx.RowToStructByName[escalationRow](rows)
		if err != nil {
			return n, fmt.Errorf("export escalations: %w", err)
		}
		e := r.escalation()
		if err := tw.write(e.ID, e.CreatedAt, e.ReporterID, e.Team, e.Account, string(e.Severity), e.RevenueAtRisk, e.Summary,
			string(e.Status), e.OwnerID, e.AcknowledgedAt, e.ResolvedAt, e.Resolution,
			e.Currency, e.Needed, e.AckDueAt, e.ResolveDueAt, e.HideName, string(e.Source),
			int64(e.Reopened), e.ConfirmedAt, e.TopPerformer, e.EscalatedAt, e.ConfirmExpiredAt); err != nil {
			return n, fmt.Errorf("export escalations: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export escalations: %w", err)
	}
	return n, tw.flush()
}
