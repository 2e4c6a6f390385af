package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// registerProactive mounts proactive conversations and customers' history.
func (a *API) registerProactive(r *mux.Router) {
	r.Handle("/conversations", a.agent(a.startConversation)).Methods(http.MethodPost)
	r.Handle("/conversations/{id}/join", a.agent(a.joinEarlier)).Methods(http.MethodPost)
	r.Handle("/people/{id}", a.agent(a.personHistory)).Methods(http.MethodGet)
	r.Handle("/start/templates", a.agent(a.startTemplates)).Methods(http.MethodGet)
}

// StartTemplate is an approved template as the panel's start form offers it: the fields to ask
// for (in the order of "params") and the text to preview.
type StartTemplate struct {
	Name     string                   `json:"name"`
	Language string                   `json:"language"`
	Category string                   `json:"category"`
	Header   string                   `json:"header,omitempty"`
	Body     string                   `json:"body"`
	Fields   []whatsapp.TemplateField `json:"fields"`
}

func (a *API) startTemplates(w http.ResponseWriter, r *http.Request, userID string) {
	ctx, cancel := reqCtx(r)
	defer cancel()
	templates, err := a.Desk.ApprovedTemplates(ctx)
	if err == nil && len(templates) == 0 {
		templates, err = a.Desk.SyncTemplates(ctx) // maybe approved since the last sync
	}
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	out := make([]StartTemplate, 0, len(templates))
	for _, t := range templates {
		out = append(out, StartTemplate{Name: t.Name, Language: t.Language, Category: t.Category,
			Header: t.HeaderText(), Body: t.BodyText(), Fields: t.Fields()})
	}
	WriteJSON(w, http.StatusOK, out)
}

type startBody struct {
	Phone        string   `json:"phone"`
	Template     string   `json:"template"`
	Language     string   `json:"language"`
	Params       []string `json:"params"`
	Group        string   `json:"group"`
	HeaderFileID string   `json:"header_file_id"`
	ChannelID    string   `json:"channel_id"`
}

// startConversation sends a template to a phone number and answers the conversation it opened or
// reused.
func (a *API) startConversation(w http.ResponseWriter, r *http.Request, userID string) {
	var body startBody
	if err := decode(r, &body); err != nil {
		a.fail(w, userID, err)
		return
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	conv, err := a.Desk.Start(ctx, userID, workflow.StartRequest{
		Phone: body.Phone, Template: body.Template, Language: body.Language, Params: body.Params,
		Group: body.Group, HeaderFileID: body.HeaderFileID, ChannelID: body.ChannelID,
	})
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.Views.Conversation(conv))
}

// joinEarlier lets an agent open an earlier conversation of a customer's history.
func (a *API) joinEarlier(w http.ResponseWriter, r *http.Request, userID string) {
	conv, err := a.Desk.JoinEarlier(userID, mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.Views.Conversation(conv))
}

// HistoryView is a person with their conversations and tickets, newest first.
type HistoryView struct {
	PersonView
	OptedOut      bool                  `json:"opted_out"`
	Conversations []HistoryConversation `json:"conversations"`
	Tickets       []HistoryTicket       `json:"tickets"`
}

// HistoryConversation is one conversation of a person's history.
type HistoryConversation struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	CreatedAt int64  `json:"created_at"`
	ClosedAt  int64  `json:"closed_at,omitempty"`
	Agent     string `json:"agent,omitempty"`
	AgentID   string `json:"agent_id,omitempty"`
	TicketID  string `json:"ticket_id,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	// Channel is the channel's URL name, for a link.
	Channel  string `json:"channel,omitempty"`
	TeamName string `json:"team_name"`
}

// HistoryTicket is one ticket of a person's history (no transcript).
type HistoryTicket struct {
	ID             string `json:"id"`
	Subject        string `json:"subject"`
	Status         string `json:"status"`
	ConversationID string `json:"conversation_id"`
	CreatedAt      int64  `json:"created_at"`
}

func (a *API) personHistory(w http.ResponseWriter, r *http.Request, userID string) {
	h, err := a.Desk.History(userID, mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.Views.History(h))
}

// History renders a person's history.
func (v *Views) History(h workflow.History) HistoryView {
	out := HistoryView{PersonView: personView(h.Person), OptedOut: h.Person.OptedOut,
		Conversations: []HistoryConversation{}, Tickets: []HistoryTicket{}}
	team := v.Team.TeamName()
	for _, c := range h.Conversations {
		item := HistoryConversation{ID: c.ID, State: c.State, CreatedAt: c.CreatedAt, ClosedAt: c.ClosedAt,
			AgentID: c.AgentID, TicketID: c.TicketID, ChannelID: c.ChannelID, TeamName: team}
		if c.ChannelID != "" {
			item.Channel = bridge.ChannelName(c.ID)
		}
		if c.AgentID != "" {
			if u, appErr := v.API.GetUser(c.AgentID); appErr == nil {
				item.Agent = u.GetDisplayName("full_name")
			}
		}
		out.Conversations = append(out.Conversations, item)
	}
	for _, t := range h.Tickets {
		out.Tickets = append(out.Tickets, HistoryTicket{ID: t.ID, Subject: t.Subject, Status: t.Status, ConversationID: t.ConversationID, CreatedAt: t.CreatedAt})
	}
	return out
}
