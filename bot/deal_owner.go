package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
)

// How long a users.lookupByEmail answer is kept: people rarely change e-mail, and a
// miss is tried again sooner in case they were just invited.
const (
	ownerFoundTTL    = 24 * time.Hour
	ownerNotFoundTTL = time.Hour
)

// dealSide is the bot's state for deals: the owner look-up cache and the metrics.
type dealSide struct {
	mu     sync.Mutex
	owners map[string]ownerEntry
	// looking are the e-mails being looked up now: a second job for the same owner
	// waits for the first answer instead of asking Slack again.
	looking map[string]chan struct{}

	lookups   *prometheus.CounterVec
	unknown   prometheus.Counter
	nudges    *prometheus.CounterVec
	reminders prometheus.Counter
}

type ownerEntry struct {
	id, why string
	at      time.Time
}

func newDealSide(reg prometheus.Registerer) *dealSide {
	d := &dealSide{
		owners:  map[string]ownerEntry{},
		looking: map[string]chan struct{}{},
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_deal_owner_lookups_total",
			Help: "How deal owners were resolved to Slack users, by source (stored, crm, config, cache, slack) and result (found, not_found, error).",
		}, []string{"source", "result"}),
		unknown: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vosbot_deal_owners_unknown_total", Help: "Deals whose owner could not be found in Slack (listed for admins in App Home).",
		}),
		nudges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_deal_nudges_total",
			Help: "Deal nudge jobs, by result (sent, already, superseded, answered, expired, owner_unknown).",
		}, []string{"result"}),
		reminders: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vosbot_deal_reminders_total", Help: "Daily reminder DMs sent, each listing a rep's deals still without feedback.",
		}),
	}
	if reg != nil {
		reg.MustRegister(d.lookups, d.unknown, d.nudges, d.reminders)
	}
	return d
}

// dealOwner resolves a deal's owner to a Slack user: the one already stored, the id the
// CRM sent, the configuration's e-mail mapping, else users.lookupByEmail (cached). An
// owner who cannot be found gives id "" and why, for the admins; err is a failure
// worth retrying (Slack down or rate-limited).
func (b *Bot) dealOwner(ctx context.Context, d feedback.Deal) (id, why string, err error) {
	ds := b.deals
	switch {
	case d.OwnerID != "":
		ds.lookups.WithLabelValues("stored", "found").Inc()
		return d.OwnerID, "", nil
	case d.OwnerSlackID != "":
		ds.lookups.WithLabelValues("crm", "found").Inc()
		return d.OwnerSlackID, "", nil
	}
	if id, ok := b.deps.Org.Deals.OwnerFor(d.OwnerEmail); ok {
		ds.lookups.WithLabelValues("config", "found").Inc()
		return id, "", nil
	}
	email := strings.ToLower(strings.TrimSpace(d.OwnerEmail))
	if email == "" {
		ds.lookups.WithLabelValues("crm", "not_found").Inc()
		return "", fmt.Sprintf("%s named no owner (no owner_email or owner_slack_id)", d.CRMName()), nil
	}
	now := b.now()
	for {
		ds.mu.Lock()
		e, ok := ds.owners[email]
		if ok && ((e.id != "" && now.Sub(e.at) < ownerFoundTTL) || (e.id == "" && now.Sub(e.at) < ownerNotFoundTTL)) {
			ds.mu.Unlock()
			ds.lookups.WithLabelValues("cache", result(e.id)).Inc()
			return e.id, e.why, nil
		}
		wait, busy := ds.looking[email]
		if !busy {
			ds.looking[email] = make(chan struct{})
			ds.mu.Unlock()
			break
		}
		ds.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return "", "", ctx.Err()
		}
	}
	defer func() {
		ds.mu.Lock()
		close(ds.looking[email])
		delete(ds.looking, email)
		ds.mu.Unlock()
	}()
	var e ownerEntry
	u, err := b.api.GetUserByEmailContext(ctx, email)
	var se slack.SlackErrorResponse
	switch {
	case err == nil && (u.Deleted || u.IsBot):
		e = ownerEntry{why: email + " belongs to a deactivated Slack account or a bot"}
	case err == nil:
		e = ownerEntry{id: u.ID}
	case errors.As(err, &se) && se.Err == "users_not_found":
		e = ownerEntry{why: email + " is not the e-mail of anyone in Slack"}
	case errors.As(err, &se) && se.Err == "missing_scope":
		e = ownerEntry{why: "Slack refused to look up " + email + ": add the users:read.email scope to the app and reinstall it"}
		b.log.Error("users.lookupByEmail needs the users:read.email scope: update the app from deploy/slack-app-manifest.yaml and reinstall it")
	default:
		ds.lookups.WithLabelValues("slack", "error").Inc()
		return "", "", fmt.Errorf("look up deal owner: %w", err)
	}
	e.at = now
	ds.mu.Lock()
	ds.owners[email] = e
	ds.mu.Unlock()
	ds.lookups.WithLabelValues("slack", result(e.id)).Inc()
	return e.id, e.why, nil
}

func result(id string) string {
	if id == "" {
		return "not_found"
	}
	return "found"
}
