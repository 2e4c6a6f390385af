package mmfake

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/mattermost/mattermost/server/public/model"
)

// Slash commands.

// RegisteredCommand is a slash command a plugin registered.
type RegisteredCommand struct {
	PluginID string
	Command  *model.Command
}

// RegisterCommand validates the trigger like the server and replaces an earlier
// registration of the same trigger and team by the same plugin.
func (a *API) RegisterCommand(command *model.Command) error {
	if command == nil {
		return errors.New("nil command")
	}
	c := *command
	c.Trigger = strings.ToLower(strings.TrimPrefix(c.Trigger, "/"))
	if c.Trigger == "" || strings.ContainsAny(c.Trigger, " /") || len(c.Trigger) > model.MaxTriggerLength {
		return errors.Errorf("invalid trigger %q", command.Trigger)
	}
	c.PluginId = a.pluginID
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = slices.DeleteFunc(s.commands, func(r RegisteredCommand) bool {
		return r.PluginID == a.pluginID && r.Command.Trigger == c.Trigger && r.Command.TeamId == c.TeamId
	})
	s.commands = append(s.commands, RegisteredCommand{PluginID: a.pluginID, Command: &c})
	return nil
}

func (a *API) UnregisterCommand(teamID, trigger string) error {
	trigger = strings.ToLower(strings.TrimPrefix(trigger, "/"))
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = slices.DeleteFunc(s.commands, func(r RegisteredCommand) bool {
		return r.PluginID == a.pluginID && r.Command.Trigger == trigger && r.Command.TeamId == teamID
	})
	return nil
}

// Commands returns the registered slash commands.
func (s *Store) Commands() []RegisteredCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RegisteredCommand, len(s.commands))
	for i, r := range s.commands {
		c := *r.Command
		out[i] = RegisteredCommand{PluginID: r.PluginID, Command: &c}
	}
	return out
}

// CommandOwner returns the plugin that registered trigger for teamID (or for all teams),
// and false when none did.
func (s *Store) CommandOwner(teamID, trigger string) (string, bool) {
	trigger = strings.ToLower(strings.TrimPrefix(trigger, "/"))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.commands {
		if r.Command.Trigger == trigger && (r.Command.TeamId == "" || r.Command.TeamId == teamID) {
			return r.PluginID, true
		}
	}
	return "", false
}

// Interactive dialogs.

// OpenedDialog is a dialog a plugin opened, and the user its trigger id belonged to.
type OpenedDialog struct {
	Node     string
	PluginID string
	UserID   string
	Request  model.OpenDialogRequest
}

// NewTriggerID signs a trigger id for userID the way the server does for slash commands
// and post actions; OpenInteractiveDialog only accepts ids made here.
func (s *Store) NewTriggerID(userID string) string {
	_, id, err := model.GenerateTriggerId(userID, s.triggerKey)
	if err != nil {
		panic(err) // signing with a fresh P-256 key does not fail
	}
	return id
}

// OpenInteractiveDialog verifies the trigger id and the dialog, then records it.
func (a *API) OpenInteractiveDialog(dialog model.OpenDialogRequest) *model.AppError {
	s := a.store
	timeout := time.Duration(*a.GetUnsanitizedConfig().ServiceSettings.OutgoingIntegrationRequestsTimeout) * time.Second
	_, userID, appErr := dialog.DecodeAndVerifyTriggerId(s.triggerKey, timeout)
	if appErr != nil {
		return appErr
	}
	if err := dialog.IsValid(); err != nil {
		return model.NewAppError("OpenInteractiveDialog", "app.open_interactive_dialog.invalid", nil, err.Error(), http.StatusBadRequest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dialogs = append(s.dialogs, OpenedDialog{Node: a.node, PluginID: a.pluginID, UserID: userID, Request: dialog})
	return nil
}

// Dialogs returns the dialogs opened so far.
func (s *Store) Dialogs() []OpenedDialog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dialogs)
}

// WebSocket events.

// WebSocketEvent is one PublishWebSocketEvent call. Type is the name clients receive:
// "custom_<plugin id>_<event>".
type WebSocketEvent struct {
	Node      string
	PluginID  string
	Event     string
	Type      string
	Payload   map[string]any
	Broadcast *model.WebsocketBroadcast
}

func (a *API) PublishWebSocketEvent(event string, payload map[string]any, broadcast *model.WebsocketBroadcast) {
	var b *model.WebsocketBroadcast
	if broadcast != nil {
		c := *broadcast
		b = &c
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wsEvents = append(s.wsEvents, WebSocketEvent{
		Node:      a.node,
		PluginID:  a.pluginID,
		Event:     event,
		Type:      "custom_" + a.pluginID + "_" + event,
		Payload:   payload,
		Broadcast: b,
	})
}

// WebSocketEvents returns the published events, oldest first.
func (s *Store) WebSocketEvents() []WebSocketEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.wsEvents)
}

func (a *API) PublishUserTyping(string, string, string) *model.AppError { return nil }

// Cluster events.

// ClusterEvent is one PublishPluginClusterEvent call.
type ClusterEvent struct {
	Node     string
	PluginID string
	Event    model.PluginClusterEvent
	Options  model.PluginClusterEventSendOptions
}

// PublishPluginClusterEvent records the event and hands it to Events.PluginClusterEvent,
// which delivers it to the other nodes; reliable and best-effort sends both arrive.
func (a *API) PublishPluginClusterEvent(ev model.PluginClusterEvent, opts model.PluginClusterEventSendOptions) error {
	s := a.store
	s.mu.Lock()
	s.clusterEvents = append(s.clusterEvents, ClusterEvent{Node: a.node, PluginID: a.pluginID, Event: ev, Options: opts})
	deliver := s.events.PluginClusterEvent
	s.mu.Unlock()
	if deliver != nil {
		s.async(func() { deliver(a.node, a.pluginID, ev) })
	}
	return nil
}

// ClusterEvents returns the published cluster events, oldest first.
func (s *Store) ClusterEvents() []ClusterEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.clusterEvents)
}
