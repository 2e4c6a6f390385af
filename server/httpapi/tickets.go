package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// ticketQuery reads GET tickets' filters: q, tag, status, customer_id, from, to.
func ticketQuery(r *http.Request) (helpdesk.TicketQuery, error) {
	v := r.URL.Query()
	q := helpdesk.TicketQuery{
		Q: strings.TrimSpace(v.Get("q")), Tag: strings.TrimSpace(v.Get("tag")),
		Status: strings.TrimSpace(v.Get("status")), CustomerID: strings.TrimSpace(v.Get("customer_id")),
	}
	var err error
	if q.From, err = instant(v.Get("from")); err != nil {
		return q, err
	}
	if q.To, err = instant(v.Get("to")); err != nil {
		return q, err
	}
	return q, nil
}

// instant reads a time given as RFC 3339 or Unix milliseconds (0 when absent).
func instant(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms >= 0 {
		return ms, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, helpdesk.Refuse(helpdesk.ErrInvalid, "error.bad_time", "Value", s)
	}
	return t.UnixMilli(), nil
}

func (a *API) listTickets(w http.ResponseWriter, r *http.Request, userID string) {
	q, err := ticketQuery(r)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	page, err := pageOf(r)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	found, err := a.Desk.SearchTickets(userID, q, page)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	out := make([]TicketSummaryView, 0, len(found.Cards))
	for _, c := range found.Cards {
		out = append(out, a.Views.TicketCard(c))
	}
	WriteJSON(w, http.StatusOK, Paged[TicketSummaryView]{Items: out, Total: found.Total})
}

// TicketCard renders a search card as a ticket summary, with the customer as they are now.
func (v *Views) TicketCard(c helpdesk.TicketCard) TicketSummaryView {
	out := TicketSummaryView{
		ID: c.ID, ConversationID: c.ConversationID, ChannelID: c.ChannelID, Status: c.Status, Subject: c.Subject,
		Customer:           PersonView{ID: c.CustomerID, Name: c.CustomerName, Phone: c.Phone},
		ConversationStatus: c.ConversationStatus, AgentID: c.AgentID, CreatedAt: c.CreatedAt, SavedAt: c.SavedAt,
		Tags: nonNil(c.Tags),
	}
	if p, err := v.People.Get(c.CustomerID); err == nil {
		out.Customer = personView(p)
	}
	return out
}
