package httpapi

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// csvHeader is the export's header row (the SPEC's contract).
var csvHeader = []string{"id", "status", "subject", "customer", "phone", "agent", "tags", "created_at", "closed_at",
	"saved_at", "wait_seconds", "first_response_seconds", "handle_seconds", "csat"}

// exportTickets answers every ticket matching GET tickets' filters as CSV: UTF-8 with a byte
// order mark (so spreadsheet programs read accents right), times in RFC 3339 UTC, unknown
// durations empty.
func (a *API) exportTickets(w http.ResponseWriter, r *http.Request, userID string) {
	q, err := ticketQuery(r)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	found, err := a.Desk.SearchTickets(userID, q, helpdesk.Page{})
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	out := csvAttachment(w, "tickets.csv")
	_ = out.Write(csvHeader)
	agents := map[string]string{}
	for _, c := range found.Cards {
		row := a.Views.TicketCard(c)
		_ = out.Write([]string{
			c.ID, c.Status, csvSafe(c.Subject), csvSafe(row.Customer.Name), row.Customer.Phone,
			csvSafe(a.agentName(agents, c.AgentID)), strings.Join(c.Tags, " "),
			rfc3339(c.CreatedAt), rfc3339(c.ClosedAt), rfc3339(c.SavedAt),
			seconds(c.WaitSeconds()), seconds(c.FirstResponseSeconds()), seconds(c.HandleSeconds()), score(c.CSAT),
		})
	}
	out.Flush()
}

func (a *API) agentName(cache map[string]string, id string) string {
	if id == "" {
		return ""
	}
	if name, ok := cache[id]; ok {
		return name
	}
	name := id
	if u, appErr := a.PluginAPI.GetUser(id); appErr == nil {
		name = u.GetDisplayName("full_name")
	}
	cache[id] = name
	return name
}

// csvSafe keeps a spreadsheet from running what a customer typed as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func rfc3339(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

func seconds(n int64) string {
	if n < 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// score is a satisfaction score, empty without an answer.
func score(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// csvAttachment starts a CSV download named filename: UTF-8 with a byte-order mark, so that
// spreadsheet programs in pt-BR open accents right.
func csvAttachment(w http.ResponseWriter, filename string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("\uFEFF"))
	return csv.NewWriter(w)
}
