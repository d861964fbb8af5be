package bot

// Surface is what vosbot registers with Slack. deploy/slack-app-manifest.yaml must
// declare exactly this, and a test holds them together.
var Surface = struct {
	Commands  []string
	Shortcuts []string // message shortcut callback ids
	Events    []string
	Scopes    []string
}{
	Commands:  []string{feedbackCommand, escalationCommand},
	Shortcuts: []string{feedbackShortcut},
	Events:    []string{"app_home_opened"},
	Scopes:    []string{"commands", "chat:write", "channels:history", "groups:history", "files:write", "users:read", "users:read.email"},
}

// MethodScopes is the bot scope each Web API method vosbot calls needs ("" for none);
// a method missing here is one vosbot must not call.
var MethodScopes = map[string]string{
	"chat.postMessage":             "chat:write",
	"chat.update":                  "chat:write",
	"chat.postEphemeral":           "chat:write",
	"chat.getPermalink":            "",
	"conversations.history":        "channels:history", // groups:history for private channels
	"conversations.replies":        "channels:history", // the digest's thread, to find its charts
	"files.getUploadURLExternal":   "files:write",
	"files.completeUploadExternal": "files:write",
	"views.open":                   "",
	"views.publish":                "",
	"users.lookupByEmail":          "users:read.email", // a CRM deal's owner, by e-mail
	"auth.test":                    "",
	"apps.connections.open":        "", // the app-level token's connections:write
}
