// Package httpapi serves the webapp's JSON API (/api/v1), post actions and dialogs.
package httpapi

import (
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// PersonView is a person as the webapp sees it.
type PersonView struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
	WaID  string `json:"wa_id,omitempty"`
	Email string `json:"email,omitempty"`
	// Organization and Notes are what agents recorded (PATCH people/{id}).
	Organization string `json:"organization,omitempty"`
	Notes        string `json:"notes,omitempty"`
}

// ConversationView is a conversation as the webapp's panel lists it.
type ConversationView struct {
	ID              string     `json:"id"`
	GroupID         string     `json:"group_id"`
	ChannelID       string     `json:"channel_id"`
	TeamName        string     `json:"team_name"`
	State           string     `json:"state"`
	Origin          string     `json:"origin"`
	Customer        PersonView `json:"customer"`
	AgentID         string     `json:"agent_id,omitempty"`
	AgentName       string     `json:"agent_name,omitempty"`
	CreatedAt       int64      `json:"created_at"`
	AttendedAt      int64      `json:"attended_at,omitempty"`
	ClosedAt        int64      `json:"closed_at,omitempty"`
	LastInboundAt   int64      `json:"last_inbound_at,omitempty"`
	WindowExpiresAt int64      `json:"window_expires_at,omitempty"`
	Status          string     `json:"status,omitempty"`
	TicketID        string     `json:"ticket_id,omitempty"`
	Tags            []string   `json:"tags"`
}

// TicketView is a ticket with its customer resolved and its transcript.
type TicketView struct {
	TicketSummaryView
	Transcript []helpdesk.TranscriptLine `json:"transcript"`
}

// Team names the team the helpdesk's channels live in (server/routing).
type Team interface {
	TeamName() string
}

// Views renders records for the webapp, resolving people and names.
type Views struct {
	API    PluginAPI
	People *helpdesk.People
	Team   Team
}

func personView(p *helpdesk.Person) PersonView {
	return PersonView{ID: p.ID, Name: p.Name, Phone: p.Phone, WaID: p.WaID, Email: p.Email, Organization: p.Organization, Notes: p.Notes}
}

// Conversation renders a conversation.
func (v *Views) Conversation(c *helpdesk.Conversation) ConversationView {
	return v.ConversationOf(c, nil)
}

// ConversationOf renders a conversation whose customer the caller holds already (nil: read them).
func (v *Views) ConversationOf(c *helpdesk.Conversation, customer *helpdesk.Person) ConversationView {
	out := ConversationView{
		ID: c.ID, GroupID: c.Group, ChannelID: c.ChannelID, TeamName: v.Team.TeamName(), State: c.State, Origin: "whatsapp",
		Customer:  PersonView{ID: c.PersonID, Name: c.CustomerName},
		AgentID:   c.AgentID,
		CreatedAt: c.CreatedAt, AttendedAt: c.AttendedAt, ClosedAt: c.ClosedAt,
		LastInboundAt: c.LastInboundAt, WindowExpiresAt: c.WindowExpiresAt(), Status: c.Status, TicketID: c.TicketID,
		Tags: nonNil(c.Tags),
	}
	if customer != nil && customer.ID == c.PersonID {
		out.Customer = personView(customer)
	} else if p, err := v.People.Get(c.PersonID); err == nil {
		out.Customer = personView(p)
	}
	if c.AgentID != "" {
		if u, appErr := v.API.GetUser(c.AgentID); appErr == nil {
			out.AgentName = u.GetDisplayName("full_name")
		}
	}
	return out
}

// Ticket renders a ticket.
func (v *Views) Ticket(t *helpdesk.Ticket) TicketView {
	out := TicketView{TicketSummaryView: v.TicketSummary(t), Transcript: t.Transcript}
	if out.Transcript == nil {
		out.Transcript = []helpdesk.TranscriptLine{}
	}
	return out
}

// TicketSummaryView is a ticket without its transcript, for websocket events: an event's size
// does not grow with the conversation, and the panel fetches the ticket when it needs the lines.
type TicketSummaryView struct {
	ID                 string         `json:"id"`
	ConversationID     string         `json:"conversation_id"`
	ChannelID          string         `json:"channel_id"`
	Status             string         `json:"status"`
	Subject            string         `json:"subject"`
	Customer           PersonView     `json:"customer"`
	ConversationStatus string         `json:"conversation_status,omitempty"`
	AgentID            string         `json:"agent_id,omitempty"`
	CreatedAt          int64          `json:"created_at"`
	SavedAt            int64          `json:"saved_at,omitempty"`
	CSAT               *helpdesk.CSAT `json:"csat,omitempty"`
	SurveySentAt       int64          `json:"survey_sent_at,omitempty"`
	CSATSkipped        string         `json:"csat_skipped,omitempty"`
	Tags               []string       `json:"tags"`
}

func nonNil(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}

// TicketSummary renders a ticket without its transcript, with its customer resolved.
func (v *Views) TicketSummary(t *helpdesk.Ticket) TicketSummaryView {
	out := TicketSummaryView{
		ID: t.ID, ConversationID: t.ConversationID, ChannelID: t.ChannelID, Status: t.Status, Subject: t.Subject,
		Customer:           PersonView{ID: t.CustomerID},
		ConversationStatus: t.ConversationStatus, AgentID: t.AgentID,
		CreatedAt: t.CreatedAt, SavedAt: t.SavedAt, Tags: nonNil(t.Tags),
		CSAT: t.CSAT, SurveySentAt: t.SurveySentAt, CSATSkipped: t.CSATSkipped,
	}
	if p, err := v.People.Get(t.CustomerID); err == nil {
		out.Customer = personView(p)
	}
	return out
}
