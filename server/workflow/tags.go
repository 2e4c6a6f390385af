package workflow

import (
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// Tag adds tags to an open conversation userID handles (its agent, a channel member, an admin).
func (d *Desk) Tag(userID, convID string, tags []string) (*helpdesk.Conversation, error) {
	clean, err := d.tagsToEdit(userID, convID, tags)
	if err != nil {
		return nil, err
	}
	conv, err := d.conversations.SetTags(convID, func(old []string) ([]string, error) { return helpdesk.AddTags(old, clean) })
	if err == nil {
		d.changed(conv)
	}
	return conv, err
}

// Untag removes tags from an open conversation userID handles.
func (d *Desk) Untag(userID, convID string, tags []string) (*helpdesk.Conversation, error) {
	clean, err := d.tagsToEdit(userID, convID, tags)
	if err != nil {
		return nil, err
	}
	conv, err := d.conversations.SetTags(convID, func(old []string) ([]string, error) { return helpdesk.RemoveTags(old, clean), nil })
	if err == nil {
		d.changed(conv)
	}
	return conv, err
}

func (d *Desk) tagsToEdit(userID, convID string, tags []string) ([]string, error) {
	clean, err := helpdesk.CleanTags(tags)
	if err != nil {
		return nil, err
	}
	if len(clean) == 0 {
		return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "cmd.tag.usage")
	}
	if _, err := d.Handled(userID, convID); err != nil {
		return nil, err
	}
	return clean, nil
}

// SearchTickets answers a page of the tickets userID may see (those of their chat groups; all
// for a system admin) that match q; a zero PerPage answers every match (the CSV export).
func (d *Desk) SearchTickets(userID string, q helpdesk.TicketQuery, page helpdesk.Page) (helpdesk.TicketResult, error) {
	q.Scope = d.PeopleScope(userID)
	return d.tickets.Search(q, page)
}

// SetTags replaces the tags of an open conversation userID handles (the panel's tag editor).
func (d *Desk) SetTags(userID, convID string, tags []string) (*helpdesk.Conversation, error) {
	clean, err := helpdesk.CleanTags(tags)
	if err != nil {
		return nil, err
	}
	if clean, err = helpdesk.AddTags(nil, clean); err != nil {
		return nil, err
	}
	if _, err := d.Handled(userID, convID); err != nil {
		return nil, err
	}
	conv, err := d.conversations.SetTags(convID, func([]string) ([]string, error) { return clean, nil })
	if err == nil {
		d.changed(conv)
	}
	return conv, err
}
