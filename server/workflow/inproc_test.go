package workflow_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/inproc"
)

func TestConcurrentAttendsHaveExactlyOneWinner(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{StartMessage: "Oi {{cliente}}, aqui é {{agente}}"})
	e.Receive(t, "5511987654321", "Maria", "oi")
	conv := e.Open(t)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, agent := range []string{e.Alice.Id, e.Bob.Id} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = e.Desk.Attend(context.Background(), agent, conv.ID)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, helpdesk.ErrConflict)
		}
	}
	assert.Equal(t, 1, won)
	assert.Equal(t, 1, e.Graph.Count(), "one start message")
	got, err := e.Conversations.Get(conv.ID)
	require.NoError(t, err)
	assert.Equal(t, helpdesk.StateActive, got.State)
}

func TestOnlyAgentsOfTheGroupMayAttend(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{})
	e.Receive(t, "5511987654321", "Maria", "oi")
	_, _, err := e.Desk.Attend(context.Background(), e.Carol.Id, e.Open(t).ID)
	assert.ErrorIs(t, err, helpdesk.ErrForbidden)
}

func TestCloseRunsOnceAndLeavesADraftTicket(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{EndMessage: "Tchau"})
	e.Receive(t, "5511987654321", "Maria", "oi")
	conv := e.Open(t)
	_, _, err := e.Desk.Attend(context.Background(), e.Alice.Id, conv.ID)
	require.NoError(t, err)

	_, _, err = e.Desk.Close(context.Background(), e.Bob.Id, conv.ID)
	assert.ErrorIs(t, err, helpdesk.ErrForbidden, "only the attending agent closes")

	ticket, notices, err := e.Desk.Close(context.Background(), e.Alice.Id, conv.ID)
	require.NoError(t, err)
	assert.Empty(t, notices)
	assert.Equal(t, helpdesk.TicketDraft, ticket.Status)
	assert.Equal(t, conv.ID, ticket.ConversationID)
	var texts []string
	for _, l := range ticket.Transcript {
		texts = append(texts, l.Direction+": "+l.Text)
	}
	assert.Contains(t, texts, "inbound: oi", "the customer's own text, not the rendered post")
	assert.Contains(t, texts, "outbound: Tchau")

	_, _, err = e.Desk.Close(context.Background(), e.Alice.Id, conv.ID)
	assert.ErrorIs(t, err, helpdesk.ErrConflict, "a second close is refused")
	got, err := e.Conversations.Get(conv.ID)
	require.NoError(t, err)
	assert.Equal(t, helpdesk.StateClosed, got.State)
	assert.Equal(t, ticket.ID, got.TicketID)
	assert.Contains(t, e.Notified.Closed, conv.ID)

	ends := 0
	for _, m := range e.Graph.Sent {
		if m.Text != nil && m.Text.Body == "Tchau" {
			ends++
		}
	}
	assert.Equal(t, 1, ends, "one end-of-service message")

	_, err = e.Desk.Ticket(e.Carol.Id, ticket.ID)
	assert.ErrorIs(t, err, helpdesk.ErrForbidden, "tickets are the group's")
	saved, err := e.Desk.SaveTicket(e.Alice.Id, ticket.ID)
	require.NoError(t, err)
	assert.Equal(t, helpdesk.TicketSaved, saved.Status)
	assert.Contains(t, e.Notified.Tickets, ticket.ID)
}

func TestMacrosAndCreditsAreAdminManaged(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{})
	_, err := e.Desk.PutMacro(e.Alice.Id, "oi", "Olá!")
	assert.ErrorIs(t, err, helpdesk.ErrForbidden)
	_, err = e.Desk.AddCredits(e.Alice.Id, 10)
	assert.ErrorIs(t, err, helpdesk.ErrForbidden)
	assert.ErrorIs(t, e.Desk.RemoveMacro(e.Alice.Id, "oi"), helpdesk.ErrForbidden)
}
