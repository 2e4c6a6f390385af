package workflow

import (
	"context"
	"fmt"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// distributePage is how many waiting conversations one step of a distribution run reads.
const distributePage = 50

// Distribute hands waiting conversations, oldest first, to the online agent of their group with
// the fewest active conversations under the limit. It runs on new conversations and from a
// cluster-wide job, so conversations that had to wait are handed out once someone is free.
//
// Its cost does not grow with the queue: agents' loads are kept per agent (helpdesk.Load), so a
// run first reads one small key per online agent and stops there when nobody has room; only then
// does it read waiting conversations, a page at a time, until the room is used up. One run at a
// time per node: a call during a run makes that run go round once more instead of starting a
// second one, so a burst of new conversations costs a run or two, not one each.
func (d *Desk) Distribute(ctx context.Context) int {
	d.distMu.Lock()
	if d.distRunning {
		d.distAgain = true
		d.distMu.Unlock()
		return 0
	}
	d.distRunning = true
	d.distMu.Unlock()
	handed := 0
	for {
		handed += d.distributeOnce(ctx)
		d.distMu.Lock()
		if !d.distAgain || ctx.Err() != nil {
			d.distRunning, d.distAgain = false, false
			d.distMu.Unlock()
			return handed
		}
		d.distAgain = false
		d.distMu.Unlock()
	}
}

// room is who may take conversations in one run: per group, the eligible agents, and every
// agent's current load.
type room struct {
	max    int
	agents map[string][]string
	load   map[string]int
}

// best is the least-loaded agent of group with room, "" when none.
func (r *room) best(group string) string {
	best := ""
	for _, a := range r.agents[group] {
		if r.load[a] < r.max && (best == "" || r.load[a] < r.load[best]) {
			best = a
		}
	}
	return best
}

// any reports whether some group has an agent with room.
func (r *room) any() bool {
	for g := range r.agents {
		if r.best(g) != "" {
			return true
		}
	}
	return false
}

// eligibleAgents are the agents of group who may be handed a conversation now, before pause and
// load: online members of its queue channel, and nobody outside the group's business hours (its
// conversations wait for the periodic job once hours begin). Further rules per agent belong here.
func (d *Desk) eligibleAgents(group string) ([]string, error) {
	if !d.groupOpen(group) {
		return nil, nil
	}
	return d.onlineAgents(group)
}

// measureRoom reads who has room: the eligible agents of every chat group and their loads. An
// agent who paused distribution has none; whether they paused is read only for an agent with room.
func (d *Desk) measureRoom(settings Settings) *room {
	r := &room{max: settings.MaxPerAgent, agents: map[string][]string{}, load: map[string]int{}}
	for _, g := range settings.Groups {
		agents, err := d.eligibleAgents(g.Name)
		if err != nil {
			d.API.LogWarn("Could not list the agents of a chat group", "group", g.Name, "error", err.Error())
			continue
		}
		for _, a := range agents {
			if _, known := r.load[a]; known {
				continue
			}
			n, err := d.conversations.Load(a)
			if err != nil {
				d.API.LogWarn("Could not read an agent's load", "user_id", a, "error", err.Error())
				n = r.max // unknown load: hand nothing to this agent now
			}
			if n < r.max && d.IsPaused(a) {
				n = r.max
			}
			r.load[a] = n
		}
		r.agents[g.Name] = agents
	}
	return r
}

func (d *Desk) distributeOnce(ctx context.Context) int {
	settings := d.Settings()
	if !settings.AutoDistribution {
		return 0
	}
	r := d.measureRoom(settings)
	handed := 0
	for offset := 0; r.any() && ctx.Err() == nil; {
		ids, _, err := d.conversations.WaitingPage(offset, distributePage)
		if err != nil {
			d.API.LogWarn("Could not list waiting conversations", "error", err.Error())
			return handed
		}
		if len(ids) == 0 {
			return handed
		}
		taken := 0
		for _, id := range ids {
			conv, err := d.conversations.Get(id)
			if err != nil || conv.State != helpdesk.StateWaiting {
				continue
			}
			agent := r.best(conv.Group)
			if agent == "" {
				continue
			}
			_, notices, err := d.Attend(ctx, agent, conv.ID)
			if err != nil {
				continue // taken meanwhile, by hand or by another node
			}
			r.load[agent]++
			handed++
			taken++
			for _, n := range notices {
				d.API.LogWarn("Automatic distribution notice", "conversation_id", conv.ID, "notice", n.Error())
			}
			if !r.any() {
				break
			}
		}
		// Handed-out conversations left the waiting list, so the next page starts earlier.
		offset += len(ids) - taken
	}
	return handed
}

// ReconcileLoads rewrites agents' loads from the active conversations, for the repair job and
// the upgrade migration: a node that died between an attend or a close and its load's update
// leaves an agent looking busier or freer than they are until then.
func (d *Desk) ReconcileLoads() (int, error) {
	var agents []string
	for _, g := range d.Settings().Groups {
		ids, err := d.groupAgents(g.Name)
		if err != nil {
			continue
		}
		agents = append(agents, ids...)
	}
	return d.conversations.ReconcileLoads(agents)
}

// distributeDetached runs a distribution outside any request, for changes that free room (a
// close, a resume).
func (d *Desk) distributeDetached() {
	// A panic here, outside any hook, would kill the plugin process: log it instead.
	defer func() {
		if r := recover(); r != nil {
			d.API.LogError("Recovered from a panic while distributing", "panic", fmt.Sprint(r))
		}
	}()
	ctx, cancel := noticeCtx()
	defer cancel()
	d.Distribute(ctx)
}
