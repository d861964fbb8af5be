package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// ErrDealClosed means the deal no longer waits for feedback (filed, skipped or expired).
var ErrDealClosed = errors.New("the deal no longer waits for feedback")

// dealRow is a deals row as selected by dealColumns.
type dealRow struct {
	ID             int64      `db:"id"`
	CRM            string     `db:"crm"`
	DealID         string     `db:"deal_id"`
	Account        string     `db:"account"`
	Outcome        string     `db:"outcome"`
	AmountCents    *int64     `db:"amount_cents"`
	Currency       string     `db:"currency"`
	ClosedAt       time.Time  `db:"closed_at"`
	OwnerEmail     string     `db:"owner_email"`
	OwnerSlackID   string     `db:"owner_slack_id"`
	OwnerID        *string    `db:"owner_id"`
	OwnerUnknownAt *time.Time `db:"owner_unknown_at"`
	OwnerUnknown   string     `db:"owner_unknown"`
	CRMURL         string     `db:"crm_url"`
	Status         string     `db:"status"`
	NudgedAt       *time.Time `db:"nudged_at"`
	SkipReason     string     `db:"skip_reason"`
	Source         string     `db:"source"`
	ObservedAt     time.Time  `db:"observed_at"`
	CreatedAt      time.Time  `db:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
	FeedbackCount  int        `db:"feedback_count"`
}

func (r dealRow) deal() Deal {
	d := Deal{
		ID: r.ID, CRM: r.CRM, DealID: r.DealID, Account: r.Account, Outcome: Outcome(r.Outcome), Currency: r.Currency,
		ClosedAt: r.ClosedAt.UTC(), OwnerEmail: r.OwnerEmail, OwnerSlackID: r.OwnerSlackID, OwnerID: deref(r.OwnerID),
		OwnerUnknownAt: utc(r.OwnerUnknownAt), OwnerUnknown: r.OwnerUnknown, CRMURL: r.CRMURL, Status: DealStatus(r.Status),
		NudgedAt: utc(r.NudgedAt), SkipReason: r.SkipReason, Source: DealSource(r.Source), ObservedAt: r.ObservedAt.UTC(),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), FeedbackCount: r.FeedbackCount,
	}
	if r.AmountCents != nil {
		d.Amount = &Amount{Cents: *r.AmountCents, Currency: r.Currency}
	}
	return d
}

// dealColumns selects a dealRow from deals d, with how much feedback names it.
const dealColumns = `
    d.id, d.crm, d.deal_id, d.account, d.outcome, (d.amount * 100)::bigint AS amount_cents, d.currency,
    d.closed_at, d.owner_email, d.owner_slack_id, d.owner_id, d.owner_unknown_at, d.owner_unknown, d.crm_url,
    d.status, d.nudged_at, d.skip_reason, d.source, d.observed_at, d.created_at, d.updated_at,
    (SELECT count(*)::int FROM feedback f WHERE f.deal_id = d.id) AS feedback_count`

func listDeals(ctx context.Context, q querier, what, sql string, args ...any) ([]Deal, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[dealRow])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out := make([]Deal, len(rs))
	for i, r := range rs {
		out[i] = r.deal()
	}
	return out, nil
}

func dealWhere(ctx context.Context, q querier, sql string, args ...any) (Deal, error) {
	ds, err := listDeals(ctx, q, "load deal", sql, args...)
	if err != nil {
		return Deal{}, err
	}
	if len(ds) == 0 {
		return Deal{}, fmt.Errorf("deal %v: %w", args[0], ErrNotFound)
	}
	return ds[0], nil
}

const selectDealByID = `SELECT ` + dealColumns + ` FROM deals d WHERE d.id = $1`

const selectDealByIDForUpdate = selectDealByID + ` FOR UPDATE OF d`

const selectDealByCRMForUpdate = `SELECT ` + dealColumns + ` FROM deals d WHERE d.crm = $1 AND d.deal_id = $2 FOR UPDATE OF d`

// Deal returns one deal by vosbot's id, or ErrNotFound.
func (s *Store) Deal(ctx context.Context, id int64) (Deal, error) {
	return dealWhere(ctx, s.pool, selectDealByID, id)
}

const selectDealByCRM = `SELECT ` + dealColumns + ` FROM deals d WHERE d.crm = $1 AND d.deal_id = $2`

// DealByCRM returns the deal a CRM knows by dealID, or ErrNotFound.
func (s *Store) DealByCRM(ctx context.Context, crm, dealID string) (Deal, error) {
	return dealWhere(ctx, s.pool, selectDealByCRM, crm, dealID)
}

// DealChange says what a CRM message did to vosbot's deal.
type DealChange string

// What receiving a deal can do.
const (
	DealCreated        DealChange = "created"
	DealOutcomeChanged DealChange = "outcome_changed"
	DealUpdated        DealChange = "updated"
	DealUnchanged      DealChange = "unchanged"
	// DealStale: the CRM said this before what is stored (an event out of order).
	DealStale DealChange = "stale"
	// DealDuplicate: this very delivery was received before.
	DealDuplicate DealChange = "duplicate"
)

// DealReceipt is what ReceiveDeal did.
type DealReceipt struct {
	Deal   Deal
	Change DealChange
	// NudgeAt is when the owner will be asked; nil when nobody is (no change of
	// outcome, or the deal closed more than nudge_within ago).
	NudgeAt *time.Time
}

// DealNudgeArgs asks the owner of a deal about one of its outcomes, once.
type DealNudgeArgs struct {
	DealID  int64   `json:"deal_id"`
	Outcome Outcome `json:"outcome"`
	// Retry, when set, is the day of a new attempt at an owner who was not found.
	Retry string `json:"retry,omitempty"`
}

// Kind names the job.
func (DealNudgeArgs) Kind() string { return "deal_nudge" }

// InsertOpts: one job per deal and outcome however often the CRM says it; the
// deal_nudges row makes the DM once even past River's memory of completed jobs.
func (DealNudgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 12, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DealMessageArgs refreshes the DMs that asked about a deal once it was answered.
type DealMessageArgs struct {
	DealID int64 `json:"deal_id"`
}

// Kind names the job.
func (DealMessageArgs) Kind() string { return "deal_message" }

// InsertOpts retries for about a day.
func (DealMessageArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

const insertCRMEvent = `
INSERT INTO crm_events (crm, event_key, deal_id, kind, occurred_at, received_at, payload)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (crm, event_key) DO NOTHING
RETURNING id`

const insertDeal = `
INSERT INTO deals (crm, deal_id, account, outcome, amount, currency, closed_at, owner_email, owner_slack_id,
    owner_id, crm_url, status, source, observed_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5::numeric / 100, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
ON CONFLICT (crm, deal_id) DO NOTHING
RETURNING id`

const insertDealEvent = `
INSERT INTO deal_events (deal_id, at, actor_id, action, from_status, to_status, from_outcome, to_outcome, note, state)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// updateDealFromCRM writes what the CRM says now. A new outcome starts the deal's
// conversation with its owner afresh: waiting for a nudge about that outcome.
const updateDealFromCRM = `
UPDATE deals SET account = $2, outcome = $3, amount = $4::numeric / 100, currency = $5, closed_at = $6,
    owner_email = $7, owner_slack_id = $8, owner_id = $9, crm_url = $10, observed_at = $11, updated_at = $12,
    status = $13, nudged_at = CASE WHEN $14 THEN NULL ELSE nudged_at END,
    skip_reason = CASE WHEN $14 THEN '' ELSE skip_reason END,
    owner_unknown_at = CASE WHEN $15 THEN NULL ELSE owner_unknown_at END,
    owner_unknown = CASE WHEN $15 THEN '' ELSE owner_unknown END
WHERE id = $1`

const touchDealObserved = `UPDATE deals SET observed_at = $2 WHERE id = $1 AND observed_at < $2`

// dealState is what an event keeps of the deal as the CRM sent it.
func dealState(d Deal) []byte {
	m := map[string]any{
		"account": d.Account, "currency": d.Currency, "closed_at": d.ClosedAt.UTC().Format(time.RFC3339),
		"owner_email": d.OwnerEmail, "owner_slack_id": d.OwnerSlackID, "crm_url": d.CRMURL, "source": d.Source,
	}
	if d.Amount != nil {
		m["amount"] = json.Number(d.Amount.String())
	}
	b, _ := json.Marshal(m)
	return b
}

// sameAsCRM reports whether a stored deal already says everything the CRM says.
func sameAsCRM(old, d Deal) bool {
	return old.Account == d.Account && old.Outcome == d.Outcome && old.Currency == d.Currency &&
		old.ClosedAt.Equal(d.ClosedAt) && old.OwnerEmail == d.OwnerEmail && old.OwnerSlackID == d.OwnerSlackID &&
		old.CRMURL == d.CRMURL && centsEqual(old.Amount, d.Amount)
}

func centsEqual(a, b *Amount) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Cents == b.Cents
}

// ownerFromCRM is the Slack user a deal's owner is known as without asking Slack: the
// id the CRM gave, else the configuration's e-mail mapping ("" when neither).
func ownerFromCRM(p DealPolicy, d Deal) string {
	if d.OwnerSlackID != "" {
		return d.OwnerSlackID
	}
	if id, ok := p.OwnerFor(d.OwnerEmail); ok {
		return id
	}
	return ""
}

// ReceiveDeal is the one way a closed deal comes in, whether from the signed webhook,
// HubSpot or an import. In one transaction it records the delivery (when it has an
// EventKey: the same delivery twice changes nothing), stores the deal once per CRM and
// deal id (a new outcome is a new state of the same deal, audited), and schedules the
// nudge of its owner nudge_after after the close. A message older than what is stored
// (events out of order) is audited and changes nothing. Invalid input is a FieldErrors.
func (s *Store) ReceiveDeal(ctx context.Context, org *Org, in DealInput) (DealReceipt, error) {
	now := s.now()
	d, errs := in.Validate(org.Currency, now)
	if errs != nil {
		return DealReceipt{}, errs
	}
	if d.ObservedAt.IsZero() {
		d.ObservedAt = now.UTC()
	}
	if d.Source == "" {
		d.Source = DealFromWebhook
	}
	actor := in.Actor
	if actor == "" {
		actor = "crm:" + d.CRM
	}
	d.OwnerID = ownerFromCRM(org.Deals, d)
	policy := org.Deals
	var rec DealReceipt
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rec = DealReceipt{}
		if in.EventKey != "" {
			kind := in.EventKind
			if kind == "" {
				kind = string(d.Source)
			}
			var evID int64
			err := tx.QueryRow(ctx, insertCRMEvent, d.CRM, in.EventKey, d.DealID, kind, d.ObservedAt, now, dealState(d)).Scan(&evID)
			if errors.Is(err, pgx.ErrNoRows) {
				rec.Change = DealDuplicate
				old, err := dealWhere(ctx, tx, selectDealByCRM, d.CRM, d.DealID)
				if err == nil {
					rec.Deal = old
				}
				return nil
			}
			if err != nil {
				return fmt.Errorf("record crm event: %w", err)
			}
		}
		var id int64
		status := DealWaiting
		if !now.Before(policy.ExpiresAt(d)) {
			status = DealExpired // closed too long ago to ask anyone
		}
		err := tx.QueryRow(ctx, insertDeal, d.CRM, d.DealID, d.Account, d.Outcome, centsOrNil(d.Amount), d.Currency, d.ClosedAt,
			d.OwnerEmail, d.OwnerSlackID, nullIfEmpty(d.OwnerID), d.CRMURL, status, d.Source, d.ObservedAt, now).Scan(&id)
		switch {
		case err == nil:
			rec.Change = DealCreated
			if _, err := tx.Exec(ctx, insertDealEvent, id, now, actor, "received", nil, status, nil, d.Outcome, "", dealState(d)); err != nil {
				return fmt.Errorf("record deal event: %w", err)
			}
			if status == DealWaiting {
				at := s.scheduleNudge(policy, d, now)
				rec.NudgeAt = &at
				if err := s.enqueueAt(ctx, tx, DealNudgeArgs{DealID: id, Outcome: d.Outcome}, at); err != nil {
					return err
				}
			}
			rec.Deal, err = dealWhere(ctx, tx, selectDealByID, id)
			return err
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("insert deal: %w", err)
		}
		// Known: compare with what is stored.
		old, err := dealWhere(ctx, tx, selectDealByCRMForUpdate, d.CRM, d.DealID)
		if err != nil {
			return err
		}
		rec.Deal = old
		if d.ObservedAt.Before(old.ObservedAt) {
			rec.Change = DealStale
			note := fmt.Sprintf("said at %s, before what is stored (%s): kept for the record only",
				d.ObservedAt.Format(time.RFC3339), old.ObservedAt.Format(time.RFC3339))
			_, err := tx.Exec(ctx, insertDealEvent, old.ID, now, actor, "stale", old.Status, old.Status, old.Outcome, d.Outcome, note, dealState(d))
			return err
		}
		if sameAsCRM(old, d) {
			rec.Change = DealUnchanged
			_, err := tx.Exec(ctx, touchDealObserved, old.ID, d.ObservedAt)
			return err
		}
		newOutcome := old.Outcome != d.Outcome
		ownerChanged := old.OwnerEmail != d.OwnerEmail || old.OwnerSlackID != d.OwnerSlackID
		owner := old.OwnerID
		if ownerChanged {
			owner = d.OwnerID
		}
		status, action := old.Status, "changed"
		if newOutcome {
			rec.Change, action = DealOutcomeChanged, "outcome_changed"
			status = DealWaiting
			if !now.Before(policy.ExpiresAt(d)) {
				status = DealExpired
			}
		} else {
			rec.Change = DealUpdated
		}
		if _, err := tx.Exec(ctx, updateDealFromCRM, old.ID, d.Account, d.Outcome, centsOrNil(d.Amount), d.Currency, d.ClosedAt,
			d.OwnerEmail, d.OwnerSlackID, nullIfEmpty(owner), d.CRMURL, d.ObservedAt, now, status, newOutcome, ownerChanged); err != nil {
			return fmt.Errorf("update deal: %w", err)
		}
		if _, err := tx.Exec(ctx, insertDealEvent, old.ID, now, actor, action, old.Status, status, old.Outcome, d.Outcome, "", dealState(d)); err != nil {
			return fmt.Errorf("record deal event: %w", err)
		}
		if newOutcome && status == DealWaiting {
			d.ID = old.ID
			at := s.scheduleNudge(policy, d, now)
			rec.NudgeAt = &at
			if err := s.enqueueAt(ctx, tx, DealNudgeArgs{DealID: old.ID, Outcome: d.Outcome}, at); err != nil {
				return err
			}
		}
		rec.Deal, err = dealWhere(ctx, tx, selectDealByID, old.ID)
		return err
	})
	if err != nil {
		return DealReceipt{}, fmt.Errorf("receive deal %s/%s: %w", d.CRM, truncate(d.DealID, 40), err)
	}
	return rec, nil
}

// scheduleNudge is when to ask: nudge_after after the close, or now for a deal that
// closed longer ago (an import, a webhook sent late).
func (s *Store) scheduleNudge(p DealPolicy, d Deal, now time.Time) time.Time {
	at := p.NudgeAt(d)
	if at.Before(now) {
		return now
	}
	return at
}

// enqueueAt inserts a job inside tx to run at a given time. A job due now is inserted
// without one: River holds any job given a time until its scheduler's next pass (every
// few seconds), while a job available at once is picked up on its insert notification.
func (s *Store) enqueueAt(ctx context.Context, tx pgx.Tx, args river.JobArgs, at time.Time) error {
	var opts *river.InsertOpts
	if at.After(s.now()) {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	if _, err := s.jobs.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// CRMEvent is one notification from a CRM that something about a deal changed; the
// deal itself is read from the CRM's API by a job (CRMFetchArgs).
type CRMEvent struct {
	CRM string
	// Key identifies the event across repeated deliveries.
	Key        string
	DealID     string
	Kind       string
	OccurredAt time.Time
	Payload    []byte
	// Fetch says whether the event may have closed or changed a deal: a job reads it.
	Fetch bool
	// Portal is the CRM account the deal lives in (HubSpot's portal id), for its link.
	Portal int64
}

// CRMEventsReceipt counts what RecordCRMEvents did with a batch.
type CRMEventsReceipt struct {
	New        int `json:"new"`
	Duplicates int `json:"duplicates"`
	// Fetches are the jobs enqueued, one per deal of the batch.
	Fetches int `json:"fetches"`
}

// CRMFetchArgs reads one deal from a CRM's API and hands it to ReceiveDeal. The CRM's
// adapter (crm/) works it, on its own queue so that the CRM's rate limit never holds
// up Slack's work.
type CRMFetchArgs struct {
	CRM    string `json:"crm"`
	DealID string `json:"deal_id"`
	Portal int64  `json:"portal,omitempty"`
}

// QueueCRM is the queue of CRM API reads.
const QueueCRM = "crm"

// Kind names the job.
func (CRMFetchArgs) Kind() string { return "crm_deal_fetch" }

// InsertOpts retries a failing CRM API for about 7 hours.
func (CRMFetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueCRM, MaxAttempts: 10}
}

// RecordCRMEvents stores a batch of CRM notifications, each once (a repeated delivery
// finds its row), and enqueues in the same transaction one read of each deal the new
// events may have changed. Whatever order the events come in, each read takes the
// deal as the CRM has it then.
func (s *Store) RecordCRMEvents(ctx context.Context, events []CRMEvent) (CRMEventsReceipt, error) {
	now := s.now()
	var rec CRMEventsReceipt
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rec = CRMEventsReceipt{}
		fetch := map[string]CRMFetchArgs{}
		var order []string
		for _, e := range events {
			var occurred *time.Time
			if !e.OccurredAt.IsZero() {
				occurred = &e.OccurredAt
			}
			payload := e.Payload
			if len(payload) == 0 {
				payload = []byte("{}")
			}
			var id int64
			err := tx.QueryRow(ctx, insertCRMEvent, e.CRM, e.Key, e.DealID, e.Kind, occurred, now, payload).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				rec.Duplicates++
				continue
			}
			if err != nil {
				return fmt.Errorf("record crm event: %w", err)
			}
			rec.New++
			k := e.CRM + "\x00" + e.DealID
			if _, ok := fetch[k]; e.Fetch && !ok {
				fetch[k] = CRMFetchArgs{CRM: e.CRM, DealID: e.DealID, Portal: e.Portal}
				order = append(order, k)
			}
		}
		jobs := make([]river.JobArgs, len(order))
		for i, k := range order {
			jobs[i] = fetch[k]
		}
		rec.Fetches = len(jobs)
		return s.enqueue(ctx, tx, jobs...)
	})
	if err != nil {
		return CRMEventsReceipt{}, fmt.Errorf("record crm events: %w", err)
	}
	return rec, nil
}

// DealReopened records that the CRM says a deal vosbot knows as closed is open again.
// The deal keeps its state (its owner may still be asked about the close); a later
// close with another outcome is a new state. Unknown deals are not stored.
func (s *Store) DealReopened(ctx context.Context, crm, dealID, actor string) (bool, error) {
	known := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		d, err := dealWhere(ctx, tx, selectDealByCRMForUpdate, crm, dealID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		known = true
		_, err = tx.Exec(ctx, insertDealEvent, d.ID, s.now(), actor, "reopened", d.Status, d.Status, d.Outcome, d.Outcome, "the CRM shows the deal open again", nil)
		return err
	})
	return known, err
}

// MayActOnDeal reports whether a user may file or skip for a deal: its owner, or an admin.
func MayActOnDeal(org *Org, d Deal, userID string) bool {
	return (d.OwnerID != "" && d.OwnerID == userID) || org.IsAdmin(userID)
}

// NudgeResult says what NudgeDeal did.
type NudgeResult string

// What a nudge can come to.
const (
	NudgeSent NudgeResult = "sent"
	// NudgeAlready: this deal and outcome were asked about before.
	NudgeAlready NudgeResult = "already"
	// NudgeSuperseded: the deal's outcome changed since the job was enqueued.
	NudgeSuperseded NudgeResult = "superseded"
	// NudgeAnswered: the deal was filed or skipped before its nudge.
	NudgeAnswered NudgeResult = "answered"
	NudgeExpired  NudgeResult = "expired"
)

const insertDealNudge = `
INSERT INTO deal_nudges (deal_id, outcome, owner_id, channel_id, message_ts, sent_at)
VALUES ($1, $2, $3, '', '', $4)
ON CONFLICT (deal_id, outcome) DO NOTHING
RETURNING deal_id`

const recordDealNudge = `UPDATE deal_nudges SET channel_id = $3, message_ts = $4 WHERE deal_id = $1 AND outcome = $2`

const markDealNudged = `
UPDATE deals SET status = 'nudged', nudged_at = $2, owner_id = $3, owner_unknown_at = NULL, owner_unknown = '', updated_at = $2
WHERE id = $1`

const markDealNudgedBefore = `
UPDATE deals SET status = 'nudged', nudged_at = COALESCE(nudged_at, $2), updated_at = $2 WHERE id = $1 AND status = 'waiting'`

const expireDeal = `UPDATE deals SET status = 'expired', updated_at = $2 WHERE id = $1`

// NudgeDeal asks a deal's owner about one outcome, once: in one transaction it takes
// the deal and the (deal, outcome) nudge row, calls send (which posts the DM), and
// records the message. A retry after a failed send sends again; a retry after a
// successful one finds the row and sends nothing. ownerID is the Slack user the owner
// resolved to.
func (s *Store) NudgeDeal(ctx context.Context, org *Org, id int64, outcome Outcome, ownerID string, send func(Deal) (MessageRef, error)) (NudgeResult, error) {
	now := s.now()
	var res NudgeResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := dealWhere(ctx, tx, selectDealByIDForUpdate, id)
		if err != nil {
			return err
		}
		switch {
		case d.Outcome != outcome:
			res = NudgeSuperseded
			return nil
		case !d.Status.Open():
			res = NudgeAnswered
			return nil
		case !now.Before(org.Deals.ExpiresAt(d)):
			res = NudgeExpired
			return expireTx(ctx, tx, d, now, "nobody asked in time: the owner was not found before nudge_within")
		}
		var got int64
		err = tx.QueryRow(ctx, insertDealNudge, id, outcome, ownerID, now).Scan(&got)
		if errors.Is(err, pgx.ErrNoRows) {
			res = NudgeAlready
			_, err := tx.Exec(ctx, markDealNudgedBefore, id, now)
			return err
		}
		if err != nil {
			return fmt.Errorf("claim nudge: %w", err)
		}
		d.OwnerID = ownerID
		ref, err := send(d)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, recordDealNudge, id, outcome, ref.ChannelID, ref.TS); err != nil {
			return fmt.Errorf("record nudge: %w", err)
		}
		if _, err := tx.Exec(ctx, markDealNudged, id, now, ownerID); err != nil {
			return fmt.Errorf("mark deal nudged: %w", err)
		}
		if _, err := tx.Exec(ctx, insertDealEvent, id, now, "vosbot", "nudged", d.Status, DealNudged, d.Outcome, d.Outcome, "asked "+ownerID, nil); err != nil {
			return fmt.Errorf("record nudge event: %w", err)
		}
		res = NudgeSent
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("nudge deal %d: %w", id, err)
	}
	return res, nil
}

func expireTx(ctx context.Context, tx pgx.Tx, d Deal, now time.Time, note string) error {
	if _, err := tx.Exec(ctx, expireDeal, d.ID, now); err != nil {
		return fmt.Errorf("expire deal: %w", err)
	}
	_, err := tx.Exec(ctx, insertDealEvent, d.ID, now, "vosbot", "expired", d.Status, DealExpired, d.Outcome, d.Outcome, note, nil)
	return err
}

const markOwnerUnknown = `
UPDATE deals SET owner_unknown_at = $2, owner_unknown = $3, updated_at = $2
WHERE id = $1 AND (owner_unknown_at IS NULL OR owner_unknown <> $3)
RETURNING status`

// MarkOwnerUnknown records that a deal's owner could not be found in Slack and why, so
// admins see it in App Home; first reports whether this is news (it is audited once
// per reason).
func (s *Store) MarkOwnerUnknown(ctx context.Context, id int64, why string) (first bool, err error) {
	now := s.now()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		first = false
		var status string
		err := tx.QueryRow(ctx, markOwnerUnknown, id, now, truncate(why, 300)).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mark owner unknown: %w", err)
		}
		first = true
		var outcome string
		if err := tx.QueryRow(ctx, `SELECT outcome FROM deals WHERE id = $1`, id).Scan(&outcome); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertDealEvent, id, now, "vosbot", "owner_unknown", status, status, outcome, outcome, truncate(why, 300), nil)
		return err
	})
	return first, err
}

const skipDeal = `UPDATE deals SET status = 'skipped', skip_reason = $2, updated_at = $3 WHERE id = $1`

// SkipDeal records that the deal's owner (or an admin) has nothing to file, and why.
// A deal already filed, skipped or expired is left as it is (ErrDealClosed).
func (s *Store) SkipDeal(ctx context.Context, org *Org, id int64, userID, reason string) (Deal, error) {
	label := ""
	for _, r := range SkipReasons {
		if r.Key == reason {
			label = r.Label
		}
	}
	if label == "" {
		return Deal{}, fmt.Errorf("skip deal %d: unknown reason %q", id, truncate(reason, 40))
	}
	now := s.now()
	var d Deal
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if d, err = dealWhere(ctx, tx, selectDealByIDForUpdate, id); err != nil {
			return err
		}
		if !MayActOnDeal(org, d, userID) {
			return fmt.Errorf("deal %d belongs to %s: %w", id, d.OwnerID, ErrForbidden)
		}
		if !d.Status.Open() {
			return fmt.Errorf("deal %d is %s: %w", id, d.Status, ErrDealClosed)
		}
		if _, err := tx.Exec(ctx, skipDeal, id, reason, now); err != nil {
			return fmt.Errorf("skip deal: %w", err)
		}
		if _, err := tx.Exec(ctx, insertDealEvent, id, now, userID, "skipped", d.Status, DealSkipped, d.Outcome, d.Outcome, label, nil); err != nil {
			return err
		}
		d.Status, d.SkipReason = DealSkipped, reason
		return s.enqueue(ctx, tx, DealMessageArgs{DealID: id})
	})
	if err != nil {
		return d, fmt.Errorf("skip deal: %w", err)
	}
	return d, nil
}

const linkFeedback = `UPDATE feedback SET deal_id = $2 WHERE id = $1`

const markDealFiled = `UPDATE deals SET status = 'filed', updated_at = $2 WHERE id = $1`

// linkFeedbackToDeal names the deal a new feedback item answers and marks the deal
// filed, inside the transaction that saves the item. Who may link is checked by the
// caller (MayActOnDeal), which knows the organisation.
func (s *Store) linkFeedbackToDeal(ctx context.Context, tx pgx.Tx, feedbackID int64, f Feedback) error {
	if f.DealID == 0 {
		return nil
	}
	d, err := dealWhere(ctx, tx, selectDealByIDForUpdate, f.DealID)
	if err != nil {
		return fmt.Errorf("link deal: %w", err)
	}
	if _, err := tx.Exec(ctx, linkFeedback, feedbackID, d.ID); err != nil {
		return fmt.Errorf("link deal: %w", err)
	}
	if _, err := tx.Exec(ctx, markDealFiled, d.ID, f.CreatedAt); err != nil {
		return fmt.Errorf("mark deal filed: %w", err)
	}
	note := fmt.Sprintf("feedback #%d", feedbackID)
	if _, err := tx.Exec(ctx, insertDealEvent, d.ID, f.CreatedAt, f.ReporterID, "filed", d.Status, DealFiled, d.Outcome, d.Outcome, note, nil); err != nil {
		return fmt.Errorf("record filed event: %w", err)
	}
	return s.enqueue(ctx, tx, DealMessageArgs{DealID: d.ID})
}

const selectDealNudges = `
SELECT channel_id, message_ts FROM deal_nudges WHERE deal_id = $1 AND message_ts <> '' ORDER BY sent_at`

// DealNudgeMessages are the DMs that asked about a deal, oldest first.
func (s *Store) DealNudgeMessages(ctx context.Context, id int64) ([]MessageRef, error) {
	rows, err := s.pool.Query(ctx, selectDealNudges, id)
	if err != nil {
		return nil, fmt.Errorf("deal nudges: %w", err)
	}
	refs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (MessageRef, error) {
		var m MessageRef
		err := r.Scan(&m.ChannelID, &m.TS)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("deal nudges: %w", err)
	}
	return refs, nil
}

const selectWaitingDeals = `SELECT ` + dealColumns + `
FROM deals d WHERE d.owner_id = $1 AND d.status IN ('waiting', 'nudged')
ORDER BY d.closed_at DESC, d.id DESC LIMIT $2`

// WaitingDeals are a rep's closed deals still waiting for their feedback, newest first.
func (s *Store) WaitingDeals(ctx context.Context, ownerID string, limit int) ([]Deal, error) {
	return listDeals(ctx, s.pool, "waiting deals", selectWaitingDeals, ownerID, limit)
}

// DealsForAccount are the rep's waiting deals whose account is the one named (spelled
// loosely: "Acme", "ACME Inc."), newest first.
func (s *Store) DealsForAccount(ctx context.Context, ownerID, account string) ([]Deal, error) {
	key := AccountKey(account)
	if key == "" {
		return nil, nil
	}
	ds, err := s.WaitingDeals(ctx, ownerID, 100)
	if err != nil {
		return nil, err
	}
	var out []Deal
	for _, d := range ds {
		if AccountKey(d.Account) == key {
			out = append(out, d)
		}
	}
	return out, nil
}

// AccountKey is what makes two spellings of an account the same company.
func AccountKey(name string) string { return CompetitorKey(name) }

const selectUnknownOwners = `SELECT ` + dealColumns + `
FROM deals d WHERE d.owner_unknown_at IS NOT NULL AND d.status IN ('waiting', 'nudged')
ORDER BY d.owner_unknown_at DESC, d.id DESC LIMIT $1`

// UnknownOwnerDeals are waiting deals whose owner could not be found in Slack, for admins.
func (s *Store) UnknownOwnerDeals(ctx context.Context, limit int) ([]Deal, error) {
	return listDeals(ctx, s.pool, "deals with unknown owners", selectUnknownOwners, limit)
}

// expireDeals closes, in one statement, every waiting deal past nudge_within, with its
// event; several replicas running it at once expire each deal once.
const expireDeals = `
WITH due AS (
    SELECT id, status, outcome FROM deals
    WHERE status IN ('waiting', 'nudged') AND closed_at <= $1
    ORDER BY id LIMIT 5000 FOR UPDATE SKIP LOCKED),
expired AS (
    UPDATE deals d SET status = 'expired', updated_at = $2 FROM due WHERE d.id = due.id
    RETURNING d.id, due.status AS from_status, d.outcome)
INSERT INTO deal_events (deal_id, at, actor_id, action, from_status, to_status, from_outcome, to_outcome, note)
SELECT id, $2, 'vosbot', 'expired', from_status, 'expired', outcome, outcome, 'no feedback within nudge_within'
FROM expired`

// ExpireDeals marks the deals nobody answered within nudge_within as expired.
func (s *Store) ExpireDeals(ctx context.Context, org *Org) (int, error) {
	now := s.now()
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, expireDeals, now.Add(-org.Deals.nudgeWithin()), now)
		if err != nil {
			return total, fmt.Errorf("expire deals: %w", err)
		}
		total += int(tag.RowsAffected())
		if tag.RowsAffected() < 5000 {
			return total, nil
		}
	}
}

// DealReminderArgs sends one rep the day's list of their deals still without feedback.
type DealReminderArgs struct {
	OwnerID string `json:"owner_id"`
	Day     string `json:"day"`
}

// Kind names the job.
func (DealReminderArgs) Kind() string { return "deal_reminder" }

// InsertOpts: one job per rep and day across replicas; deal_reminders makes it one DM.
func (DealReminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 8, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// remindAfterNudge keeps a deal out of the day's list when its nudge was just sent.
const remindAfterNudge = 6 * time.Hour

const selectOwnersToRemind = `
SELECT DISTINCT owner_id FROM deals
WHERE status = 'nudged' AND owner_id IS NOT NULL AND nudged_at <= $1 AND closed_at > $2
ORDER BY owner_id`

const selectOwnerlessToRetry = `
SELECT id, outcome FROM deals
WHERE status = 'waiting' AND owner_unknown_at IS NOT NULL AND owner_unknown_at <= $1 AND closed_at > $2
ORDER BY id LIMIT 1000`

// EnqueueDealReminders expires what is past nudge_within, then enqueues one reminder
// per rep holding deals nudged earlier and still unanswered (unique per rep and day),
// and one more try at each owner not found in Slack a day ago or more (the
// configuration may name them now). It returns the reminders enqueued.
func (s *Store) EnqueueDealReminders(ctx context.Context, org *Org) (int, error) {
	if _, err := s.ExpireDeals(ctx, org); err != nil {
		return 0, err
	}
	now := s.now()
	day := dealDay(org, now)
	horizon := now.Add(-org.Deals.nudgeWithin())
	rows, err := s.pool.Query(ctx, selectOwnersToRemind, now.Add(-remindAfterNudge), horizon)
	if err != nil {
		return 0, fmt.Errorf("deal reminders: %w", err)
	}
	owners, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("deal reminders: %w", err)
	}
	rows, err = s.pool.Query(ctx, selectOwnerlessToRetry, now.Add(-20*time.Hour), horizon)
	if err != nil {
		return 0, fmt.Errorf("deal owner retries: %w", err)
	}
	type retry struct {
		id      int64
		outcome string
	}
	retries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (retry, error) {
		var x retry
		err := r.Scan(&x.id, &x.outcome)
		return x, err
	})
	if err != nil {
		return 0, fmt.Errorf("deal owner retries: %w", err)
	}
	if len(owners) == 0 && len(retries) == 0 {
		return 0, nil
	}
	var jobs []river.JobArgs
	for _, o := range owners {
		jobs = append(jobs, DealReminderArgs{OwnerID: o, Day: day})
	}
	for _, r := range retries {
		jobs = append(jobs, DealNudgeArgs{DealID: r.id, Outcome: Outcome(r.outcome), Retry: day})
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return s.enqueue(ctx, tx, jobs...) })
	if err != nil {
		return 0, fmt.Errorf("deal reminders: %w", err)
	}
	return len(owners), nil
}

const claimDealReminder = `
INSERT INTO deal_reminders (owner_id, day, channel_id, message_ts, deals, sent_at)
VALUES ($1, $2, '', '', 1, $3)
ON CONFLICT (owner_id, day) DO NOTHING
RETURNING owner_id`

const recordDealReminder = `UPDATE deal_reminders SET channel_id = $3, message_ts = $4, deals = $5 WHERE owner_id = $1 AND day = $2`

const selectDealsToRemind = `SELECT ` + dealColumns + `
FROM deals d WHERE d.owner_id = $1 AND d.status = 'nudged' AND d.nudged_at <= $2 AND d.closed_at > $3
ORDER BY d.closed_at, d.id`

// errNothingToRemind rolls back a reminder's claim when its deals were answered meanwhile.
var errNothingToRemind = errors.New("nothing to remind")

// RemindDeals sends a rep their day's reminder once: in one transaction it claims the
// (rep, day) row, reads the deals still unanswered, calls send with all of them (one
// message, never one per deal) and records it with a "reminded" event per deal. It
// returns how many deals the message listed (0: sent before, or nothing left).
func (s *Store) RemindDeals(ctx context.Context, org *Org, ownerID, day string, send func([]Deal) (MessageRef, error)) (int, error) {
	now := s.now()
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var got string
		err := tx.QueryRow(ctx, claimDealReminder, ownerID, day, now).Scan(&got)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("claim reminder: %w", err)
		}
		ds, err := listDeals(ctx, tx, "deals to remind", selectDealsToRemind, ownerID, now.Add(-remindAfterNudge), now.Add(-org.Deals.nudgeWithin()))
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			return errNothingToRemind
		}
		ref, err := send(ds)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, recordDealReminder, ownerID, day, ref.ChannelID, ref.TS, len(ds)); err != nil {
			return fmt.Errorf("record reminder: %w", err)
		}
		for _, d := range ds {
			if _, err := tx.Exec(ctx, insertDealEvent, d.ID, now, "vosbot", "reminded", d.Status, d.Status, d.Outcome, d.Outcome, "daily list of "+day, nil); err != nil {
				return err
			}
		}
		n = len(ds)
		return nil
	})
	if errors.Is(err, errNothingToRemind) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("remind %s of their deals: %w", ownerID, err)
	}
	return n, nil
}

// DealEvent is one entry of a deal's audit trail.
type DealEvent struct {
	ID          int64     `db:"id"`
	At          time.Time `db:"at"`
	ActorID     string    `db:"actor_id"`
	Action      string    `db:"action"`
	FromStatus  *string   `db:"from_status"`
	ToStatus    string    `db:"to_status"`
	FromOutcome *string   `db:"from_outcome"`
	ToOutcome   string    `db:"to_outcome"`
	Note        string    `db:"note"`
}

const selectDealEvents = `
SELECT id, at, actor_id, action, from_status, to_status, from_outcome, to_outcome, note
FROM deal_events WHERE deal_id = $1 ORDER BY at, id`

// DealEvents is a deal's audit trail, oldest first.
func (s *Store) DealEvents(ctx context.Context, id int64) ([]DealEvent, error) {
	rows, err := s.pool.Query(ctx, selectDealEvents, id)
	if err != nil {
		return nil, fmt.Errorf("deal events: %w", err)
	}
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByName[DealEvent])
	if err != nil {
		return nil, fmt.Errorf("deal events: %w", err)
	}
	return evs, nil
}

// EventKey makes a stable key for a delivery from its parts.
func EventKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:40]
}

// dealDay is the day (in the organisation's zone) a time falls on.
func dealDay(org *Org, t time.Time) string {
	loc := org.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.DateOnly)
}
