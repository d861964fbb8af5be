package measures

import (
	"time"

	"github.com/riverqueue/river"
)

// AskArgs asks a team's owners for a week's values (the periodic job of its ask schedule).
type AskArgs struct {
	Team string `json:"team"`
	Week string `json:"week"`
}

// Kind names the job.
func (AskArgs) Kind() string { return "measures_ask" }

// InsertOpts keeps one ask per team and week however often it is scheduled.
func (AskArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 12, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Kinds of ask DMs.
const (
	DMAsk      = "ask"
	DMReminder = "reminder"
)

// AskDMArgs sends one owner the ask (or its reminder): one job per owner, so a retry
// never repeats a DM that was delivered.
type AskDMArgs struct {
	Team string `json:"team"`
	Week string `json:"week"`
	User string `json:"user"`
	// DM is DMAsk or DMReminder.
	DM string `json:"dm"`
}

// Kind names the job.
func (AskDMArgs) Kind() string { return "measures_ask_dm" }

// InsertOpts retries for about a day: Slack may be down.
func (AskDMArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// AskAnsweredArgs updates every DM of an answered ask to show what was reported.
type AskAnsweredArgs struct {
	Team string `json:"team"`
	Week string `json:"week"`
}

// Kind names the job.
func (AskAnsweredArgs) Kind() string { return "measures_ask_answered" }

// InsertOpts retries for about a day.
func (AskAnsweredArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// StreakArgs checks a measure's run of misses around a week that changed, and raises the
// dropped ball its escalate_after_misses asks for.
type StreakArgs struct {
	Team    string `json:"team"`
	Measure string `json:"measure"`
	Week    string `json:"week"`
}

// Kind names the job.
func (StreakArgs) Kind() string { return "measures_streak" }

// InsertOpts retries for about a day.
func (StreakArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// RemindArgs is the periodic sweep for asks still unanswered after RemindAfter.
type RemindArgs struct{}

// Kind names the job.
func (RemindArgs) Kind() string { return "measures_reminders" }

// InsertOpts makes one sweep at a time enough, across replicas.
func (RemindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}
