package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
)

// ExecuteCommand runs /whatsapp.
func (p *Plugin) ExecuteCommand(_ *plugin.Context, args *model.CommandArgs) (resp *model.CommandResponse, appErr *model.AppError) {
	defer func() {
		if rec := recover(); rec != nil {
			p.API.LogError("Recovered from a panic in ExecuteCommand", "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			resp = &model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: "internal error"}
		}
	}()
	if problem := p.configProblem(); problem != nil {
		return &model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: "⚠️ " + problem.Error()}, nil
	}
	return p.commands.Execute(args), nil
}

// MessageHasBeenPosted sends agents' posts in conversation channels to the customer.
func (p *Plugin) MessageHasBeenPosted(_ *plugin.Context, post *model.Post) {
	defer p.recoverHook("MessageHasBeenPosted", nil)
	if p.outbound == nil {
		return
	}
	if problem := p.configProblem(); problem != nil {
		// Nothing can be sent: the agent is told now and can resend once the settings are fixed.
		p.outbound.RefuseAgentPost(post, problem)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p.outbound.HandleAgentPost(ctx, post)
}

// MessageHasBeenUpdated tells agents that edits do not reach WhatsApp.
func (p *Plugin) MessageHasBeenUpdated(_ *plugin.Context, newPost, oldPost *model.Post) {
	defer p.recoverHook("MessageHasBeenUpdated", nil)
	if p.outbound != nil {
		p.outbound.HandleAgentEdit(newPost, oldPost)
	}
}

// MessageHasBeenDeleted tells agents that deletions do not reach WhatsApp.
func (p *Plugin) MessageHasBeenDeleted(_ *plugin.Context, post *model.Post) {
	defer p.recoverHook("MessageHasBeenDeleted", nil)
	if p.outbound != nil {
		p.outbound.HandleAgentDelete(post)
	}
}

// OnPluginClusterEvent applies what another node announced.
func (p *Plugin) OnPluginClusterEvent(_ *plugin.Context, ev model.PluginClusterEvent) {
	defer p.recoverHook("OnPluginClusterEvent", nil)
	if p.notifier != nil {
		p.notifier.ClusterEvent(ev)
	}
}

// ReactionHasBeenAdded sends an agent's reaction on a customer's message to WhatsApp.
func (p *Plugin) ReactionHasBeenAdded(_ *plugin.Context, reaction *model.Reaction) {
	defer p.recoverHook("ReactionHasBeenAdded", nil)
	p.agentReaction(reaction, true)
}

// ReactionHasBeenRemoved sends the removal of an agent's reaction to WhatsApp.
func (p *Plugin) ReactionHasBeenRemoved(_ *plugin.Context, reaction *model.Reaction) {
	defer p.recoverHook("ReactionHasBeenRemoved", nil)
	p.agentReaction(reaction, false)
}

func (p *Plugin) agentReaction(reaction *model.Reaction, added bool) {
	if p.outbound == nil || p.configProblem() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p.outbound.HandleAgentReaction(ctx, reaction, added)
}
