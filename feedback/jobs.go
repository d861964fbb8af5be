package feedback

import (
	"time"

	"github.com/riverqueue/river"
)

// TagFeedbackArgs asks for the themes of feedback items and escalations to be
// (re)detected.
type TagFeedbackArgs struct {
	FeedbackIDs   []int64 `json:"feedback_ids"`
	EscalationIDs []int64 `json:"escalation_ids,omitempty"`
}

// Kind names the job.
func (TagFeedbackArgs) Kind() string { return "tag_feedback" }

// InsertOpts keeps tagging retries modest: the offline engine is deterministic.
func (TagFeedbackArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// FeedbackSavedArgs tells the rep what was saved (and refreshes their App Home).
type FeedbackSavedArgs struct {
	FeedbackID int64 `json:"feedback_id"`
	Edited     bool  `json:"edited"`
}

// Kind names the job.
func (FeedbackSavedArgs) Kind() string { return "feedback_saved" }

// InsertOpts retries a failed DM for about a day.
func (FeedbackSavedArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// EscalationPostArgs posts an escalation to its channel, or updates the message in place
// (re-posting it if it was deleted).
type EscalationPostArgs struct {
	EscalationID int64 `json:"escalation_id"`
}

// Kind names the job.
func (EscalationPostArgs) Kind() string { return "escalation_post" }

// InsertOpts retries for about a day: Slack may be down.
func (EscalationPostArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// RecipientThread addresses a reply in the escalation message's thread.
const RecipientThread = "thread"

// EscalationNotifyArgs tells one person (or the message's thread) about one event of an
// escalation: raised, a transition, a reminder. One job per recipient, so a retry never
// repeats a message that was already delivered.
type EscalationNotifyArgs struct {
	EscalationID int64  `json:"escalation_id"`
	EventID      int64  `json:"event_id"`
	Recipient    string `json:"recipient"`
}

// Kind names the job.
func (EscalationNotifyArgs) Kind() string { return "escalation_notify" }

// InsertOpts retries for about a day.
func (EscalationNotifyArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// RemindArgs is the periodic sweep for escalations past their due times.
type RemindArgs struct{}

// Kind names the job.
func (RemindArgs) Kind() string { return "escalation_reminders" }

// InsertOpts makes one sweep at a time enough, across replicas.
func (RemindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}
