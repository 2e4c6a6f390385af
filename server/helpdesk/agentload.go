package helpdesk

import (
	"slices"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// An agent's load is the set of active conversations they attend, kept under one small key per
// agent (at most the per-agent limit of ids). It is a set, not a counter, so repeating an add or
// a removal (a retried attend or close) never skews it, and the repair job can rewrite it from
// the active list after a node died between the conversation's write and its load's.

// Load is the number of active conversations agentID attends (one KV read).
func (cs *Conversations) Load(agentID string) (int, error) {
	var ids []string
	_, err := store.GetJSON(cs.KV, store.AgentLoadKey(agentID), &ids)
	return len(ids), err
}

func (cs *Conversations) addLoad(agentID, convID string) error {
	if agentID == "" {
		return nil
	}
	_, err := store.UpdateJSON(cs.KV, store.AgentLoadKey(agentID), func(ids *[]string, _ bool) (bool, error) {
		if slices.Contains(*ids, convID) {
			return false, nil
		}
		*ids = append(*ids, convID)
		return true, nil
	})
	return err
}

func (cs *Conversations) removeLoad(agentID, convID string) error {
	if agentID == "" {
		return nil
	}
	_, err := store.UpdateJSON(cs.KV, store.AgentLoadKey(agentID), func(ids *[]string, _ bool) (bool, error) {
		i := slices.Index(*ids, convID)
		if i < 0 {
			return false, nil
		}
		*ids = slices.Delete(*ids, i, i+1)
		return true, nil
	})
	return err
}

// ReconcileLoads rewrites the load of agents (and of every agent attending an active
// conversation) from the active list, for the repair job: it costs a read per active
// conversation, so it runs in the background, never per new conversation.
func (cs *Conversations) ReconcileLoads(agents []string) (fixed int, err error) {
	active, err := cs.List(StateActive)
	if err != nil {
		return 0, err
	}
	want := map[string][]string{}
	for _, a := range agents {
		want[a] = nil
	}
	for _, c := range active {
		if c.State == StateActive && c.AgentID != "" {
			want[c.AgentID] = append(want[c.AgentID], c.ID)
		}
	}
	for agent, ids := range want {
		var cur []string
		if _, err := store.GetJSON(cs.KV, store.AgentLoadKey(agent), &cur); err != nil {
			return fixed, err
		}
		// An id listed but not active is checked on its own record first: it may have been
		// attended after the list was read.
		var stale []string
		for _, id := range cur {
			if slices.Contains(ids, id) {
				continue
			}
			if c, err := cs.Get(id); err != nil || c.State != StateActive || c.AgentID != agent {
				stale = append(stale, id)
			}
		}
		missing := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return slices.Contains(cur, id) })
		if len(stale) == 0 && len(missing) == 0 {
			continue
		}
		if _, err := store.UpdateJSON(cs.KV, store.AgentLoadKey(agent), func(c *[]string, _ bool) (bool, error) {
			*c = slices.DeleteFunc(*c, func(id string) bool { return slices.Contains(stale, id) })
			for _, id := range missing {
				if !slices.Contains(*c, id) {
					*c = append(*c, id)
				}
			}
			return true, nil
		}); err != nil {
			return fixed, err
		}
		fixed++
	}
	return fixed, nil
}

// ReleaseLoad takes an erased conversation off its agent's load.
func (cs *Conversations) ReleaseLoad(c *Conversation) error { return cs.removeLoad(c.AgentID, c.ID) }

// WaitingPage lists up to limit waiting conversations' ids from offset, oldest first, and how
// many are waiting; it reads only the chunks of the page.
func (cs *Conversations) WaitingPage(offset, limit int) ([]string, int, error) {
	return store.NewIndex(cs.KV, store.ConversationIndexKey(StateWaiting)).Page(offset, limit)
}
