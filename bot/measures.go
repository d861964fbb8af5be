package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// measuresOn reports whether the bot handles measures (a store and a scorecard are set).
func (b *Bot) measuresOn() bool { return b.deps.Measures != nil && !b.deps.Scorecard.Empty() }

// reportable reports whether an owner may report or correct the week from Slack: one
// of the last 13 weeks that have ended. Older weeks go through `vosbot measures record`.
func (b *Bot) reportable(w measures.Week) bool {
	last := measures.LastComplete(b.now(), b.deps.Scorecard.Location)
	return !w.After(last) && last.Since(w) < measuresReportable
}

// measuresButton opens the report modal for a team's week (the DM's Report or Correct,
// the App Home's button or week picker), authorising the presser on the server.
func (b *Bot) measuresButton(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	value, source := a.Value, measures.SourceSlack
	if a.ActionID == measuresPickWeek {
		value = a.SelectedOption.Value
	}
	if cb.View.Type == slack.VTHomeTab {
		source = measures.SourceAppHome
	}
	ref, ok := parseReportRef(value)
	t, known := b.deps.Scorecard.Team(ref.Team)
	if !ok || !known || !b.measuresOn() {
		b.log.Warn("measures button with a forged or stale value refused", "value", blockkit.Clip(value, 40), "user", cb.User.ID)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "That button doesn't point at measures vosbot knows (the team may no longer own any).")
		return
	}
	if !feedback.MayAct(b.deps.Org, ref.Team, cb.User.ID) {
		b.log.Warn("measures report by a non-owner refused", "team", ref.Team, "user", cb.User.ID)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, fmt.Sprintf("Only the owners of %s (%s) or an admin can report its measures. Nothing was changed.",
			blockkit.Escape(teamName(b.deps.Org, ref.Team)), mentions(feedback.WhoMayAct(b.deps.Org, ref.Team))))
		return
	}
	if !b.reportable(ref.Week) {
		b.tell(ctx, cb.Channel.ID, cb.User.ID, fmt.Sprintf("The %s can't be reported from Slack: only the last %d weeks that have ended can. For older weeks use `vosbot measures record`.", ref.Week.Label(), measuresReportable))
		return
	}
	entries, err := b.deps.Measures.Entries(ctx, ref.Team, ref.Week)
	if err != nil {
		b.log.Error("measures not read", "team", ref.Team, "week", ref.Week.String(), "error", err)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "Sorry, the measures couldn't be read (the database didn't answer). Please press the button again.")
		return
	}
	b.openView(ctx, cb, measuresModal(measuresModalData{Ref: ref, TeamName: teamName(b.deps.Org, ref.Team), Measures: t.Measures, Entries: entries, Source: source}))
}

// submitMeasures validates and records a report; mistakes go back onto their field with
// what to type, and nothing is recorded until every field reads.
func (b *Bot) submitMeasures(ctx context.Context, cb slack.InteractionCallback) any {
	var meta measuresMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil {
		b.log.Warn("measures modal with broken metadata", "user", cb.User.ID)
		return nil
	}
	ref, ok := parseReportRef(meta.Team + "|" + meta.Week)
	t, known := b.deps.Scorecard.Team(ref.Team)
	if !ok || !known || !b.measuresOn() || len(t.Measures) == 0 {
		b.log.Warn("measures modal for unknown measures", "team", blockkit.Clip(meta.Team, 40), "user", cb.User.ID)
		return nil
	}
	first := measureBlockPrefix + t.Measures[0].Key
	fail := func(msg string) any {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{first: msg})
	}
	if !feedback.MayAct(b.deps.Org, ref.Team, cb.User.ID) {
		b.log.Warn("measures report by a non-owner refused", "team", ref.Team, "user", cb.User.ID)
		return fail(fmt.Sprintf("Only the owners of %s or an admin can report its measures.", teamName(b.deps.Org, ref.Team)))
	}
	if !b.reportable(ref.Week) {
		return fail(fmt.Sprintf("The %s is no longer one of the last %d weeks; use vosbot measures record.", ref.Week.Label(), measuresReportable))
	}
	v := func(id string) string {
		if cb.View.State == nil {
			return ""
		}
		return cb.View.State.Values[id][id].Value
	}
	errs := map[string]string{}
	values := map[string]float64{}
	for _, m := range t.Measures {
		id := measureBlockPrefix + m.Key
		n, err := m.Parse(v(id))
		if err != nil {
			errs[id] = fieldMessage(measures.Reason(err))
			continue
		}
		values[m.Key] = n
	}
	note := v(measuresNoteBlock)
	if err := measures.CheckNote(note); err != nil {
		errs[measuresNoteBlock] = fieldMessage(measures.Reason(err))
	}
	if len(errs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(errs)
	}
	source := meta.Source
	if source != measures.SourceAppHome {
		source = measures.SourceSlack
	}
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	res, err := b.deps.Measures.Record(ctx, b.deps.Scorecard, measures.Report{Team: ref.Team, Week: ref.Week, Values: values, Note: note, ReporterID: cb.User.ID, Source: source})
	if err != nil {
		b.log.Error("measures not recorded", "team", ref.Team, "week", ref.Week.String(), "user", cb.User.ID, "error", err)
		return fail("Couldn't save — nothing you typed was lost, press Report again.")
	}
	b.log.Info("measures reported", "team", ref.Team, "week", ref.Week.String(), "user", cb.User.ID, "changed", len(res.Changed), "corrected", len(res.Corrected), "answered_ask", res.Closed)
	b.goHandle(func() {
		if err := b.publishHome(context.WithoutCancel(ctx), cb.User.ID); err != nil {
			b.log.Warn("app home not refreshed", "user", cb.User.ID, "error", err)
		}
	})
	return nil
}

// fieldMessage makes a reason fit a field error (Slack shows about 150 characters).
func fieldMessage(reason string) string {
	if reason == "" {
		return reason
	}
	return blockkit.Clip(strings.ToUpper(reason[:1])+reason[1:]+".", 150)
}

// addMeasuresWorkers registers the jobs that talk to owners about their measures.
func (b *Bot) addMeasuresWorkers(workers *river.Workers) {
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[measures.AskDMArgs]) error {
		return b.jobResult(b.sendAskDM(ctx, job.Args))
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[measures.AskAnsweredArgs]) error {
		return b.jobResult(b.showAnswered(ctx, job.Args.Team, job.Args.Week))
	}))
}

// sendAskDM sends one owner the ask or its reminder, unless an owner answered first.
func (b *Bot) sendAskDM(ctx context.Context, args measures.AskDMArgs) error {
	if !b.measuresOn() {
		return river.JobCancel(errors.New("measures are no longer configured"))
	}
	ref, ok := parseReportRef(args.Team + "|" + args.Week)
	t, known := b.deps.Scorecard.Team(args.Team)
	if !ok || !known || !blockkit.ValidID(args.User) {
		return river.JobCancel(fmt.Errorf("ask DM for %q, week %q, to %q: no such measures or user", args.Team, args.Week, args.User))
	}
	ask, err := b.deps.Measures.Ask(ctx, ref.Team, ref.Week)
	if errors.Is(err, measures.ErrNoAsk) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if ask.Answered() {
		return nil // answered before this DM went out: nothing to ask
	}
	text, blocks := askMessage(askData{Ref: ref, TeamName: teamName(b.deps.Org, ref.Team), Measures: t.Measures, Reminder: args.DM == measures.DMReminder})
	channel, ts, err := b.api.PostMessageContext(ctx, args.User, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: measuresMetadata, EventPayload: map[string]any{"team": ref.Team, "week": ref.Week.String()}}))
	if err != nil {
		return fmt.Errorf("ask %s for %s measures of the %s: %w", args.User, ref.Team, ref.Week.Label(), err)
	}
	if err := b.deps.Measures.RecordAskMessage(ctx, ref.Team, ref.Week, measures.AskMessage{User: args.User, DM: args.DM, ChannelID: channel, TS: ts}); err != nil {
		b.log.Warn("ask DM sent but not recorded; it will not be updated when answered", "user", args.User, "error", err)
		return nil
	}
	// An owner may have answered while this DM was on its way: show it answered now.
	if ask, err := b.deps.Measures.Ask(ctx, ref.Team, ref.Week); err == nil && ask.Answered() {
		return b.showAnswered(ctx, args.Team, args.Week)
	}
	return nil
}

// showAnswered updates every DM of an answered ask to say who reported what.
func (b *Bot) showAnswered(ctx context.Context, team, week string) error {
	if !b.measuresOn() {
		return river.JobCancel(errors.New("measures are no longer configured"))
	}
	ref, ok := parseReportRef(team + "|" + week)
	t, known := b.deps.Scorecard.Team(team)
	if !ok || !known {
		return river.JobCancel(fmt.Errorf("answered ask of %q, week %q: no such measures", team, week))
	}
	ask, err := b.deps.Measures.Ask(ctx, ref.Team, ref.Week)
	if errors.Is(err, measures.ErrNoAsk) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if !ask.Answered() {
		return nil
	}
	entries, err := b.deps.Measures.Entries(ctx, ref.Team, ref.Week)
	if err != nil {
		return err
	}
	msgs, err := b.deps.Measures.AskMessages(ctx, ref.Team, ref.Week)
	if err != nil {
		return err
	}
	text, blocks := answeredMessage(ref, teamName(b.deps.Org, ref.Team), t.Measures, entries, ask.AnsweredBy, *ask.AnsweredAt)
	for _, m := range msgs {
		_, _, _, err := b.api.UpdateMessageContext(ctx, m.ChannelID, m.TS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		if code := errorCode(err); err != nil && code != "message_not_found" && code != "cant_update_message" && code != "channel_not_found" {
			return fmt.Errorf("update the ask DM of %s: %w", m.User, err)
		}
	}
	return nil
}

// maxHomeMeasureTeams bounds the teams whose measures one App Home shows.
const maxHomeMeasureTeams = 8

// homeMeasures are the measures of the teams the user may report for (owners theirs,
// admins every team's, up to maxHomeMeasureTeams).
func (b *Bot) homeMeasures(ctx context.Context, userID string) ([]homeMeasures, error) {
	if !b.measuresOn() {
		return nil, nil
	}
	last := measures.LastComplete(b.now(), b.deps.Scorecard.Location)
	var out []homeMeasures
	var h measures.History
	for _, t := range b.deps.Scorecard.Teams {
		if len(t.Measures) == 0 || !feedback.MayAct(b.deps.Org, t.Key, userID) {
			continue
		}
		if len(out) == maxHomeMeasureTeams {
			break // an admin of many teams: the App Home has room for 100 blocks
		}
		if h == nil {
			var err error
			if h, err = b.deps.Measures.History(ctx, last.Add(1-measures.SeriesWeeks), last); err != nil {
				return nil, err
			}
		}
		hm := homeMeasures{Team: t.Key, TeamName: teamName(b.deps.Org, t.Key), Last: last}
		for _, m := range t.Measures {
			hm.Series = append(hm.Series, measureSeries{Measure: m, Series: h.Series(m, last, measures.SeriesWeeks)})
		}
		out = append(out, hm)
	}
	return out, nil
}
