package workflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/internal/inproc"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

func distributing(e *inproc.Env, limit int) {
	s := e.Desk.Settings()
	s.AutoDistribution, s.MaxPerAgent = true, limit
	e.Desk.Configure(s)
}

func TestDistributionKeepsAgentsLoadThroughAttendAndClose(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{})
	for i, phone := range []string{"5511900000001", "5511900000002", "5511900000003"} {
		e.Receive(t, phone, "Cliente "+string(rune('A'+i)), "oi")
	}
	distributing(e, 1)
	assert.Equal(t, 2, e.Desk.Distribute(context.Background()), "one each for alice and bob")
	for _, agent := range []string{e.Alice.Id, e.Bob.Id} {
		n, err := e.Conversations.Load(agent)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	}
	assert.Equal(t, 0, e.Desk.Distribute(context.Background()), "both are at the limit")

	active, err := e.Conversations.List(helpdesk.StateActive)
	require.NoError(t, err)
	_, _, err = e.Desk.Close(context.Background(), active[0].AgentID, active[0].ID)
	require.NoError(t, err)
	var load []string
	_, err = store.GetJSON(e.Conversations.KV, store.AgentLoadKey(active[0].AgentID), &load)
	require.NoError(t, err)
	assert.NotContains(t, load, active[0].ID, "a close frees the agent")
	// The close starts a run of its own in the background; a call during it makes that run go
	// round again and answers 0, so either run may hand the third out.
	e.Desk.Distribute(context.Background())
	assert.Eventually(t, func() bool {
		waiting, err := e.Conversations.List(helpdesk.StateWaiting)
		n, loadErr := e.Conversations.Load(active[0].AgentID)
		return err == nil && loadErr == nil && len(waiting) == 0 && n == 1
	}, 5*time.Second, 10*time.Millisecond, "the third goes to the freed agent")
}

func TestReconcileLoadsRepairsALoadLeftByACrash(t *testing.T) {
	e := inproc.New(t, helpdesk.Group{})
	e.Receive(t, "5511900000001", "Ana", "oi")
	e.Receive(t, "5511900000002", "Bia", "oi")
	distributing(e, 1)
	waiting, err := e.Conversations.List(helpdesk.StateWaiting)
	require.NoError(t, err)
	conv := waiting[0]
	_, _, err = e.Desk.Attend(context.Background(), e.Alice.Id, conv.ID)
	require.NoError(t, err)
	// A node died: alice's load lost her conversation, bob's kept one that is not his.
	kv := e.Conversations.KV
	require.NoError(t, store.SetJSON(kv, store.AgentLoadKey(e.Alice.Id), []string{}))
	require.NoError(t, store.SetJSON(kv, store.AgentLoadKey(e.Bob.Id), []string{conv.ID}))

	fixed, err := e.Desk.ReconcileLoads()
	require.NoError(t, err)
	assert.Equal(t, 2, fixed)
	for agent, want := range map[string]int{e.Alice.Id: 1, e.Bob.Id: 0} {
		n, err := e.Conversations.Load(agent)
		require.NoError(t, err)
		assert.Equal(t, want, n)
	}
	fixed, err = e.Desk.ReconcileLoads()
	require.NoError(t, err)
	assert.Zero(t, fixed, "nothing left to repair")
	assert.Equal(t, 1, e.Desk.Distribute(context.Background()), "bob takes the other customer")
}
