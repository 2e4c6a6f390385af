package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// registerIndicators mounts the agents' pause switch and the indicator reports.
func (a *API) registerIndicators(r *mux.Router) {
	r.Handle("/agents", a.agent(a.listAgents)).Methods(http.MethodGet)
	r.Handle("/agents/me/pause", a.agent(a.setPaused)).Methods(http.MethodPost)
	r.Handle("/reports/summary", a.agent(a.reportSummary)).Methods(http.MethodGet)
	r.Handle("/reports/agents.csv", a.agent(a.reportAgentsCSV)).Methods(http.MethodGet)
}

func (a *API) listAgents(w http.ResponseWriter, _ *http.Request, userID string) {
	agents, err := a.Desk.Agents(userID)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": agents, "paused": a.Desk.IsPaused(userID)})
}

func (a *API) setPaused(w http.ResponseWriter, r *http.Request, userID string) {
	var body struct {
		Paused *bool `json:"paused"`
	}
	if err := decode(r, &body); err != nil {
		a.fail(w, userID, err)
		return
	}
	if body.Paused == nil {
		a.fail(w, userID, helpdesk.Refuse(helpdesk.ErrInvalid, "error.pause_body"))
		return
	}
	if err := a.Desk.SetPaused(userID, *body.Paused); err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]bool{"paused": *body.Paused})
}

func reportQuery(r *http.Request) workflow.ReportQuery {
	q := r.URL.Query()
	return workflow.ReportQuery{Group: q.Get("group"), From: q.Get("from"), To: q.Get("to")}
}

func (a *API) reportSummary(w http.ResponseWriter, r *http.Request, userID string) {
	s, err := a.Desk.Report(userID, reportQuery(r))
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, s)
}

// reportAgentsCSV answers the per-agent table as UTF-8 CSV with a byte-order mark, so
// spreadsheets open accents right.
func (a *API) reportAgentsCSV(w http.ResponseWriter, r *http.Request, userID string) {
	s, err := a.Desk.Report(userID, reportQuery(r))
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	out := csvAttachment(w, "agents-"+s.From+"-"+s.To+".csv")
	_ = out.Write([]string{"user_id", "name", "conversations", "avg_first_response_seconds", "avg_handle_seconds", "csat_avg", "csat_count"})
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	for _, ag := range s.ByAgent {
		_ = out.Write([]string{ag.UserID, safeCell(ag.Name), strconv.Itoa(ag.Conversations),
			num(ag.AvgFirstResponseSeconds), num(ag.AvgHandleSeconds), num(ag.CSATAvg), strconv.Itoa(ag.CSATCount)})
	}
	out.Flush()
}

// safeCell keeps a spreadsheet from reading a name as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
