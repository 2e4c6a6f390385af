package bridge_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/inproc"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

func TestInboundMessageIsPostedOnceInItsConversationChannel(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{})
	msg := e.Receive(t, "5511987654321", "Maria", "Olá, preciso de ajuda")
	require.NoError(t, e.Deliver(msg, "Maria"), "a redelivery is acknowledged")

	conv := e.Open(t)
	assert.Equal(t, helpdesk.StateWaiting, conv.State)
	require.NotEmpty(t, conv.ChannelID)
	posts := e.Store.Posts(conv.ChannelID)
	var inbound []string
	for _, p := range posts {
		if wapost.IsInbound(p) {
			inbound = append(inbound, p.Message)
			assert.Equal(t, msg.ID, p.GetProp(wapost.PropWAMID))
		}
	}
	assert.Len(t, inbound, 1, "one post however often WhatsApp delivers it")
	assert.Contains(t, inbound[0], "Olá, preciso de ajuda")

	var announced int
	for _, p := range e.Store.Posts(e.Route.QueueChannelID) {
		if p.Type == wapost.QueuePostType && p.GetProp(wapost.PropConversation) == conv.ID {
			announced++
		}
	}
	assert.Equal(t, 1, announced, "the queue hears of the conversation once")
	assert.Contains(t, e.Notified.Conversations, conv.ID)
}

func TestCustomerMarkupIsInertInThePost(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{})
	e.Receive(t, "5511987654321", "@all", "@here look ![x](http://evil)")
	conv := e.Open(t)
	for _, p := range e.Store.Posts(conv.ChannelID) {
		if wapost.IsInbound(p) {
			assert.NotContains(t, p.Message, "@here ")
			assert.NotContains(t, p.Message, "![x](http://evil)")
		}
	}
}

func TestDeliveryStatusesOnlyMoveForward(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{})
	e.Receive(t, "5511987654321", "Maria", "oi")
	conv := e.Open(t)
	require.NoError(t, e.Outbound.SendNotice(context.Background(), conv, "Olá!", bridge.Delivery{Kind: wapost.KindMacro}))
	require.Equal(t, 1, e.Graph.Count())

	status := func(s string) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		require.NoError(t, e.Outbound.HandleStatus(whatsapp.Status{ID: "wamid.out.1", Status: s, Timestamp: ts, RecipientID: "5511987654321"}))
	}
	sent := func() string {
		for _, p := range e.Store.Posts(conv.ChannelID) {
			if p.GetProp(wapost.PropKind) == wapost.KindMacro {
				s, _ := p.GetProp(wapost.PropStatus).(string)
				return s
			}
		}
		return ""
	}
	assert.Equal(t, bridge.StatusSent, sent())
	status("read")
	assert.Equal(t, "read", sent())
	status("delivered") // arrives late: a read message stays read
	assert.Equal(t, "read", sent())
}

func TestOutsideTheWindowNothingIsSent(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{})
	e.Receive(t, "5511987654321", "Maria", "oi")
	conv := e.Open(t)
	conv.LastInboundAt = time.Now().Add(-25 * time.Hour).UnixMilli()
	err := e.Outbound.SendNotice(context.Background(), conv, "tarde demais", bridge.Delivery{Kind: wapost.KindMacro})
	assert.ErrorIs(t, err, bridge.ErrWindowClosed)
	assert.Zero(t, e.Graph.Count())
}
