package slackfake

import "strings"

// User is a member of the fake workspace, found by users.lookupByEmail.
type User struct {
	ID    string
	Email string
	Name  string
	// Deleted is a deactivated account: Slack still finds it by e-mail, marked deleted.
	Deleted bool
	IsBot   bool
}

// AddUser adds (or replaces) a member of the workspace.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users == nil {
		s.users = map[string]User{}
	}
	s.users[strings.ToLower(u.Email)] = u
}

// lookupByEmail answers users.lookupByEmail as Slack does: the email argument is
// required (invalid_arguments without it), an address no member has is users_not_found,
// and a deactivated member is returned with deleted true. Called with s.mu held.
func (s *Server) lookupByEmail(c Call) map[string]any {
	email := c.Param("email")
	if email == "" {
		return map[string]any{"ok": false, "error": "invalid_arguments", "response_metadata": map[string]any{"messages": []string{"[ERROR] missing required field: email"}}}
	}
	u, ok := s.users[strings.ToLower(email)]
	if !ok {
		return fail("users_not_found")
	}
	name := u.Name
	if name == "" {
		name = strings.ToLower(u.ID)
	}
	return map[string]any{"ok": true, "user": map[string]any{
		"id": u.ID, "team_id": "T0FAKE", "name": name, "deleted": u.Deleted, "is_bot": u.IsBot, "real_name": "User " + u.ID, "tz": "UTC",
		"profile": map[string]any{"email": u.Email, "real_name": "User " + u.ID, "display_name": name},
	}}
}
