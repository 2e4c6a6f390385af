package wapost

// Kinds (PropKind) of the service-level posts: the out-of-hours message, the satisfaction survey
// with its thanks and the customer's answer (a note), and the window reminder to the agent.
const (
	KindOutOfHours     = "out_of_hours"
	KindSurvey         = "survey"
	KindSurveyThanks   = "survey_thanks"
	KindSurveyAnswer   = "survey_answer"
	KindWindowReminder = "window_reminder"
)
