// Package feedback is vosbot's domain: prospect feedback and dropped-ball escalations,
// their validation, the escalation state machine and who may move it, the closed deals
// CRMs report and the nudges that ask their owners for feedback, and the PostgreSQL
// store with the durable jobs each change causes.
package feedback
