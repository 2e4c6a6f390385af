package main

import (
	"github.com/mattermost/mattermost/server/public/model"
)

// clusterEventPersonForgotten tells the other nodes to drop their cache of a person (merged
// into another, or erased), so the next message from that phone is matched afresh.
const clusterEventPersonForgotten = "person_forgotten"

func (p *Plugin) personForgotten(personID string) {
	if p.inbound != nil {
		p.inbound.ForgetPerson(personID)
	}
	if appErr := p.API.PublishPluginClusterEvent(
		model.PluginClusterEvent{Id: clusterEventPersonForgotten, Data: []byte(personID)},
		model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable},
	); appErr != nil {
		p.API.LogWarn("Could not tell the cluster to forget a person", "person_id", personID, "error", appErr.Error())
	}
}
