package workflow

import (
	"context"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// errAdminOnly refuses what only system admins may do.
var errAdminOnly = helpdesk.Refuse(helpdesk.ErrForbidden, "cmd.admin_only")

func (d *Desk) admin(userID string) error {
	if !d.IsAdmin(userID) {
		return errAdminOnly
	}
	return nil
}

// Customer returns the person of a conversation userID may act on.
func (d *Desk) Customer(userID string, conv *helpdesk.Conversation) (*helpdesk.Person, error) {
	if !d.IsAgent(userID, conv.Group) {
		return nil, helpdesk.Refuse(ErrForbidden, "error.not_group_agent")
	}
	return d.people.Get(conv.PersonID)
}

// AnnouncedOn reports whether postID is the conversation's queue announcement.
func (d *Desk) AnnouncedOn(convID, postID string) bool {
	conv, err := d.conversations.Get(convID)
	return err == nil && conv.QueuePostID == postID
}

// Ticket loads a ticket userID may see: an agent of its conversation's chat group.
func (d *Desk) Ticket(userID, id string) (*helpdesk.Ticket, error) {
	t, err := d.tickets.Get(id)
	if err != nil {
		return nil, err
	}
	if _, err := d.Conversation(userID, t.ConversationID); err != nil {
		return nil, err
	}
	return t, nil
}

// Tickets lists the tickets in a status that userID may see.
func (d *Desk) Tickets(userID, status string) ([]*helpdesk.Ticket, error) {
	all, err := d.tickets.List(status)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, t := range all {
		if _, err := d.Conversation(userID, t.ConversationID); err == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// TicketInChannel returns the ticket of the conversation whose channel the user typed in, with
// its customer when known.
func (d *Desk) TicketInChannel(channelID string) (*helpdesk.Ticket, *helpdesk.Person, error) {
	conv, err := d.conversations.ByChannel(channelID)
	if err != nil {
		return nil, nil, helpdesk.Refuse(helpdesk.ErrNotFound, "cmd.not_conversation")
	}
	if conv.TicketID == "" {
		return nil, nil, helpdesk.Refuse(helpdesk.ErrNotFound, "cmd.ticket.none")
	}
	t, err := d.tickets.Get(conv.TicketID)
	if err != nil {
		return nil, nil, err
	}
	p, err := d.people.Get(t.CustomerID)
	if err != nil {
		p = nil
	}
	return t, p, nil
}

// NewPerson is a customer typed in by an agent.
type NewPerson struct {
	Name, Phone, Email string
}

// PatchTicket edits a draft ticket: subject, status, and its customer, either an existing person
// userID may see or a new one (who joins the conversation's chat group).
func (d *Desk) PatchTicket(userID, id string, patch helpdesk.TicketPatch, newCustomer *NewPerson) (*helpdesk.Ticket, error) {
	t, err := d.Ticket(userID, id)
	if err != nil {
		return nil, err
	}
	if patch.Tags != nil {
		clean, err := helpdesk.CleanTags(*patch.Tags)
		if err != nil {
			return nil, err
		}
		if clean, err = helpdesk.AddTags(nil, clean); err != nil {
			return nil, err
		}
		patch.Tags = &clean
	}
	if patch.CustomerID != nil {
		if _, err := d.Person(userID, *patch.CustomerID); err != nil {
			return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.no_customer")
		}
	}
	if newCustomer != nil {
		if patch.CustomerID != nil {
			return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.customer_twice")
		}
		p, err := d.people.Create(newCustomer.Name, newCustomer.Phone, newCustomer.Email)
		if err != nil {
			return nil, err
		}
		if conv, err := d.conversations.Get(t.ConversationID); err == nil {
			_, _ = d.people.JoinGroups(p.ID, conv.Group)
		}
		patch.CustomerID = &p.ID
	}
	if t, err = d.tickets.Patch(id, patch); err != nil {
		return nil, err
	}
	d.ticketChanged(t)
	return t, nil
}

// SaveTicket turns a draft ticket userID may see into a saved one.
func (d *Desk) SaveTicket(userID, id string) (*helpdesk.Ticket, error) {
	if _, err := d.Ticket(userID, id); err != nil {
		return nil, err
	}
	t, err := d.tickets.Save(id)
	if err != nil {
		return nil, err
	}
	d.ticketChanged(t)
	return t, nil
}

func (d *Desk) ticketChanged(t *helpdesk.Ticket) {
	if d.Notify != nil {
		d.Notify.TicketChanged(t)
	}
}

// SearchPeople returns a page of the people userID may see that match query.
func (d *Desk) SearchPeople(userID, query string, page helpdesk.Page) (helpdesk.SearchResult, error) {
	return d.people.Search(query, page.Page, page.PerPage, d.PeopleScope(userID))
}

// CreatePerson records a customer typed in by userID, in userID's chat groups.
func (d *Desk) CreatePerson(userID string, np NewPerson) (*helpdesk.Person, error) {
	p, err := d.people.Create(np.Name, np.Phone, np.Email)
	if err != nil {
		return nil, err
	}
	return d.people.JoinGroups(p.ID, d.AgentGroups(userID)...)
}

// Macros lists the macros.
func (d *Desk) Macros() ([]helpdesk.Macro, error) { return d.macros.List() }

// PutMacro adds or replaces a macro (system admins).
func (d *Desk) PutMacro(userID, name, text string) (helpdesk.Macro, error) {
	if err := d.admin(userID); err != nil {
		return helpdesk.Macro{}, err
	}
	return d.macros.Put(name, text, userID)
}

// RemoveMacro removes a macro (system admins).
func (d *Desk) RemoveMacro(userID, name string) error {
	if err := d.admin(userID); err != nil {
		return err
	}
	return d.macros.Remove(name)
}

// Credits returns the credit balance.
func (d *Desk) Credits() (helpdesk.CreditBalance, error) { return d.credits.Balance() }

// AddCredits grants n more credits (system admins).
func (d *Desk) AddCredits(userID string, n int) (helpdesk.CreditBalance, error) {
	if err := d.admin(userID); err != nil {
		return helpdesk.CreditBalance{}, err
	}
	return d.credits.Add(n)
}

// SyncTemplates refreshes the approved HSM templates from WhatsApp.
func (d *Desk) SyncTemplates(ctx context.Context) ([]whatsapp.Template, error) {
	return d.templates.Sync(ctx)
}

// ApprovedTemplates returns the approved HSM templates, synced once when none are cached.
func (d *Desk) ApprovedTemplates(ctx context.Context) ([]whatsapp.Template, error) {
	return d.templates.Approved(ctx)
}

// FindTemplate returns an approved template by name (and language, when given).
func (d *Desk) FindTemplate(ctx context.Context, name, language string) (whatsapp.Template, error) {
	return d.templates.Find(ctx, name, language)
}
