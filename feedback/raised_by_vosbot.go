package feedback

// SourceMeasure marks a dropped ball vosbot raised itself: a team's revenue measure
// missed its target too many weeks running (package feedback/measures).
const SourceMeasure Source = "measure"

// ReporterVosbot is the reporter of the dropped balls vosbot raises itself. It is not a
// Slack user: nobody is told anything as its reporter.
const ReporterVosbot = "vosbot"

// tellsReporter reports whether the escalation's reporter hears what happens to it.
func tellsReporter(e Escalation) bool { return notifies(e.Source) && e.ReporterID != ReporterVosbot }
