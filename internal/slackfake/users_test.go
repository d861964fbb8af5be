package slackfake

import (
	"testing"

	"github.com/slack-go/slack"
)

func TestLookupByEmail(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	defer s.Close()
	s.AddUser(User{ID: "U0JANE", Email: "Jane@Acme.com"})
	s.AddUser(User{ID: "U0GONE", Email: "gone@acme.com", Deleted: true})
	api := slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()))
	u, err := api.GetUserByEmail("jane@acme.com")
	if err != nil || u.ID != "U0JANE" || u.Profile.Email != "Jane@Acme.com" || u.Deleted {
		t.Errorf("jane = %+v, %v", u, err)
	}
	if u, err := api.GetUserByEmail("gone@acme.com"); err != nil || !u.Deleted {
		t.Errorf("deactivated = %+v, %v", u, err)
	}
	if _, err := api.GetUserByEmail("ghost@acme.com"); err == nil || err.Error() != "users_not_found" {
		t.Errorf("unknown e-mail = %v", err)
	}
	if _, err := api.GetUserByEmail(""); err == nil || err.Error() != "invalid_arguments" {
		t.Errorf("no e-mail = %v", err)
	}
	if _, err := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL())).GetUserByEmail("jane@acme.com"); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong token = %v", err)
	}
}
