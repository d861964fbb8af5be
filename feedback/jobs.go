package feedback

import "github.com/riverqueue/river"

// TagFeedbackArgs asks for the themes of feedback items to be (re)detected.
type TagFeedbackArgs struct {
	FeedbackIDs []int64 `json:"feedback_ids"`
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
