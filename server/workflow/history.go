package workflow

import (
	"net/http"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// HistoryLimit bounds how many conversations and tickets a person's history answers: the
// newest, read from the tail of the person's indexes, whatever their history.
const HistoryLimit = 50

// History is a customer with their conversations and tickets, newest first.
type History struct {
	Person        *helpdesk.Person
	Conversations []*helpdesk.Conversation
	Tickets       []*helpdesk.Ticket
}

// History answers a person userID may see with their recent conversations and tickets.
func (d *Desk) History(userID, personID string) (History, error) {
	p, err := d.Person(userID, personID)
	if err != nil {
		return History{}, err
	}
	convs, err := d.conversations.OfPerson(p.ID, HistoryLimit)
	if err != nil {
		return History{}, err
	}
	tickets, err := d.tickets.OfPerson(p.ID, HistoryLimit)
	if err != nil {
		return History{}, err
	}
	return History{Person: p, Conversations: convs, Tickets: tickets}, nil
}

// JoinEarlier adds an agent of its chat group to the channel of a closed conversation, so they
// read it from the customer's history in one click. Open conversations are left alone: a member
// of their channel may act on them, and that is for their attending agent to grant (invite).
func (d *Desk) JoinEarlier(userID, convID string) (*helpdesk.Conversation, error) {
	conv, err := d.Conversation(userID, convID)
	if err != nil {
		return nil, err
	}
	if conv.State != helpdesk.StateClosed {
		if _, err := d.Handled(userID, convID); err != nil {
			return nil, err
		}
		return conv, nil
	}
	if _, appErr := d.API.AddChannelMember(conv.ChannelID, userID); appErr != nil && appErr.StatusCode != http.StatusBadRequest {
		return nil, errors.Wrap(appErr, "failed to add the agent to an earlier conversation's channel")
	}
	return conv, nil
}
