package measures

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/feedback"
)

// RemindAfter is how long owners may stay silent before they are reminded: half a day.
const RemindAfter = 12 * time.Hour

// remindWithin stops reminding about asks this old: next week's ask is coming.
const remindWithin = 6 * 24 * time.Hour

// askMargin covers River inserting a periodic job up to 100 ms before its time: the ask
// of Monday 00:00 must not be taken for the week before.
const askMargin = time.Second

// Ask is one weekly request to a team's owners.
type Ask struct {
	Team       string
	Week       Week
	AskedAt    time.Time
	RemindedAt *time.Time
	// AnsweredBy is the owner whose report answered it for every owner.
	AnsweredBy string
	AnsweredAt *time.Time
}

// Answered reports whether an owner answered it.
func (a Ask) Answered() bool { return a.AnsweredAt != nil }

// LatestAsk is the latest time at or before now the schedule asked, within the last
// week; false when it did not ask in that week.
func LatestAsk(s Schedule, now time.Time) (time.Time, bool) {
	var last time.Time
	limit := now.Add(askMargin)
	for at := s.Next(now.Add(-7 * 24 * time.Hour)); !at.IsZero() && !at.After(limit); at = s.Next(at) {
		last = at
	}
	return last, !last.IsZero()
}

// AskedWeek is the week an ask at time at is about: the last week that has ended.
func AskedWeek(at time.Time, loc *time.Location) Week {
	return LastComplete(at.Add(askMargin), loc)
}

// AskJobs are the periodic asks, one per team on its own schedule in the configured zone.
// Each also runs at start, which makes an ask missed while vosbot was down (an ask is
// made once per team and week, so a restart asks nobody twice). A schedule that never
// fires is logged and left out.
func AskJobs(sc *Scorecard, now func() time.Time, log *slog.Logger) []*river.PeriodicJob {
	if sc == nil {
		return nil
	}
	var jobs []*river.PeriodicJob
	for _, t := range sc.Teams {
		if len(t.Measures) == 0 || t.Ask == nil {
			continue
		}
		if t.Ask.Next(now()).IsZero() {
			log.Error("measures ask schedule never fires; this team will not be asked", "team", t.Key, "ask", t.AskSpec)
			continue
		}
		jobs = append(jobs, river.NewPeriodicJob(t.Ask, func() (river.JobArgs, *river.InsertOpts) {
			at, ok := LatestAsk(t.Ask, now())
			if !ok {
				return nil, nil
			}
			return AskArgs{Team: t.Key, Week: AskedWeek(at, sc.Location).String()}, nil
		}, &river.PeriodicJobOpts{ID: "measures_ask_" + t.Key, RunOnStart: true}))
	}
	return jobs
}

// AskWorker asks a team's owners for a week.
type AskWorker struct {
	river.WorkerDefaults[AskArgs]
	Store     *Store
	Scorecard *Scorecard
	Org       *feedback.Org
	Log       *slog.Logger
}

// Work opens the ask (once per team and week) and sends the owners' DMs.
func (w *AskWorker) Work(ctx context.Context, job *river.Job[AskArgs]) error {
	week, err := ParseWeek(job.Args.Week)
	if err != nil {
		return river.JobCancel(err)
	}
	t, ok := w.Org.Team(job.Args.Team)
	if !ok {
		return river.JobCancel(fmt.Errorf("%w: %q is no longer configured", ErrUnknownTeam, job.Args.Team))
	}
	asked, err := w.Store.OpenAsk(ctx, w.Scorecard, t.Key, week, t.Owners)
	if err != nil {
		return err
	}
	if asked {
		w.Log.Info("measures asked", "team", t.Key, "week", week.String(), "owners", len(t.Owners))
	}
	return nil
}

const insertAsk = `
INSERT INTO measure_asks (team, week, asked_at) VALUES ($1, $2, $3)
ON CONFLICT (team, week) DO NOTHING`

// OpenAsk asks a team's owners for a week, once: the ask and one DM job per owner in one
// transaction. Nobody is asked for a week whose values are all in already.
func (s *Store) OpenAsk(ctx context.Context, sc *Scorecard, team string, w Week, owners []string) (bool, error) {
	t, ok := sc.Team(team)
	if !ok {
		return false, fmt.Errorf("%w: %q", ErrUnknownTeam, team)
	}
	asked := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		asked = false
		if _, err := tx.Exec(ctx, lockTeamWeek, team, w.Date()); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, countWeekValues, team, w.Date(), t.keys()).Scan(&have); err != nil {
			return err
		}
		if have == len(t.Measures) {
			return nil
		}
		tag, err := tx.Exec(ctx, insertAsk, team, w.Date(), s.now())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		asked = true
		jobs := make([]river.JobArgs, len(owners))
		for i, o := range owners {
			jobs[i] = AskDMArgs{Team: team, Week: w.String(), User: o, DM: DMAsk}
		}
		return s.enqueue(ctx, tx, jobs...)
	})
	if err != nil {
		return false, fmt.Errorf("ask %s for the week of %s: %w", team, w, err)
	}
	return asked, nil
}

// ErrNoAsk means the team was not asked for that week.
var ErrNoAsk = errors.New("no such ask")

const selectAsk = `
SELECT team, week, asked_at, reminded_at, answered_by, answered_at FROM measure_asks WHERE team = $1 AND week = $2`

// Ask returns a team's ask of a week, or ErrNoAsk.
func (s *Store) Ask(ctx context.Context, team string, w Week) (Ask, error) {
	var a Ask
	var week time.Time
	var by *string
	err := s.pool.QueryRow(ctx, selectAsk, team, w.Date()).Scan(&a.Team, &week, &a.AskedAt, &a.RemindedAt, &by, &a.AnsweredAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Ask{}, fmt.Errorf("%s, week of %s: %w", team, w, ErrNoAsk)
	}
	if err != nil {
		return Ask{}, fmt.Errorf("ask of %s, week of %s: %w", team, w, err)
	}
	a.Week, a.AskedAt = WeekFromDate(week), a.AskedAt.UTC()
	if by != nil {
		a.AnsweredBy = *by
	}
	return a, nil
}

// AskMessage is one DM an ask sent.
type AskMessage struct {
	User      string
	DM        string
	ChannelID string
	TS        string
}

const insertAskMessage = `
INSERT INTO measure_ask_messages (team, week, user_id, kind, channel_id, ts) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (team, week, user_id, kind) DO UPDATE SET channel_id = EXCLUDED.channel_id, ts = EXCLUDED.ts`

// RecordAskMessage remembers a DM an ask sent, to update it when the ask is answered.
func (s *Store) RecordAskMessage(ctx context.Context, team string, w Week, m AskMessage) error {
	if _, err := s.pool.Exec(ctx, insertAskMessage, team, w.Date(), m.User, m.DM, m.ChannelID, m.TS); err != nil {
		return fmt.Errorf("record the ask DM to %s: %w", m.User, err)
	}
	return nil
}

const selectAskMessages = `
SELECT user_id, kind, channel_id, ts FROM measure_ask_messages WHERE team = $1 AND week = $2 ORDER BY user_id, kind`

// AskMessages returns the DMs an ask sent.
func (s *Store) AskMessages(ctx context.Context, team string, w Week) ([]AskMessage, error) {
	rows, err := s.pool.Query(ctx, selectAskMessages, team, w.Date())
	if err != nil {
		return nil, fmt.Errorf("ask DMs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (AskMessage, error) {
		var m AskMessage
		err := row.Scan(&m.User, &m.DM, &m.ChannelID, &m.TS)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("ask DMs: %w", err)
	}
	return out, nil
}

const selectDueAskReminders = `
SELECT team, week FROM measure_asks
WHERE answered_at IS NULL AND reminded_at IS NULL AND asked_at <= $1 AND asked_at > $2
ORDER BY asked_at, team
FOR UPDATE SKIP LOCKED`

const markAskReminded = `UPDATE measure_asks SET reminded_at = $3 WHERE team = $1 AND week = $2`

// SendDueReminders reminds the owners of every ask still unanswered RemindAfter after it
// was made (once, and not for asks older than a week), in one transaction with their
// DM jobs. Replicas running it at once remind each ask once.
func (s *Store) SendDueReminders(ctx context.Context, owners func(team string) []string) (int, error) {
	now := s.now()
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		n = 0
		rows, err := tx.Query(ctx, selectDueAskReminders, now.Add(-RemindAfter), now.Add(-remindWithin))
		if err != nil {
			return err
		}
		type due struct {
			team string
			week time.Time
		}
		asks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (due, error) {
			var d due
			return d, row.Scan(&d.team, &d.week)
		})
		if err != nil {
			return err
		}
		var jobs []river.JobArgs
		for _, a := range asks {
			if _, err := tx.Exec(ctx, markAskReminded, a.team, a.week, now); err != nil {
				return err
			}
			for _, o := range owners(a.team) {
				jobs = append(jobs, AskDMArgs{Team: a.team, Week: WeekFromDate(a.week).String(), User: o, DM: DMReminder})
			}
			n++
		}
		return s.enqueue(ctx, tx, jobs...)
	})
	if err != nil {
		return 0, fmt.Errorf("measures reminders: %w", err)
	}
	return n, nil
}

// ReminderSweepEvery is how often the reminder sweep runs.
const ReminderSweepEvery = 5 * time.Minute

// ReminderJob is the periodic job of the reminder sweep.
func ReminderJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(ReminderSweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return RemindArgs{}, nil },
		&river.PeriodicJobOpts{ID: "measures_reminders", RunOnStart: true})
}

// RemindWorker runs the reminder sweep.
type RemindWorker struct {
	river.WorkerDefaults[RemindArgs]
	Store *Store
	Org   *feedback.Org
	Log   *slog.Logger
}

// Work sends the reminders that are due.
func (w *RemindWorker) Work(ctx context.Context, _ *river.Job[RemindArgs]) error {
	n, err := w.Store.SendDueReminders(ctx, func(team string) []string {
		if t, ok := w.Org.Team(team); ok {
			return t.Owners
		}
		return nil
	})
	if n > 0 {
		w.Log.Info("measures reminders sent", "asks", n)
	}
	return err
}
