// Package routing knows where each chat group's conversations live in Mattermost (team, queue
// channel) and which Graph API client serves its WhatsApp number. Setup provisions the queue
// channels; lookups only read what Setup prepared, so no lookup creates anything.
package routing

import (
	"net/http"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

var (
	// ErrUnknownNumber marks a webhook for a phone number no chat group serves.
	ErrUnknownNumber = errors.New("no chat group serves this phone number")
	// ErrNotSetUp marks a chat group whose queue channel Setup could not prepare (yet).
	ErrNotSetUp = errors.New("the chat group's channels are not set up")
	// ErrNoTemplates refuses template work without a WhatsApp Business Account.
	ErrNoTemplates = helpdesk.Refuse(helpdesk.ErrInvalid, "error.no_waba")
)

// mediaTimeoutFactor gives file transfers (up to 100 MB) longer than a JSON call.
const mediaTimeoutFactor = 4

// API is the part of the Mattermost plugin API that provisioning uses.
type API interface {
	GetTeamByName(name string) (*model.Team, *model.AppError)
	CreateTeamMember(teamID, userID string) (*model.TeamMember, *model.AppError)
	GetChannelByName(teamID, name string, includeDeleted bool) (*model.Channel, *model.AppError)
	CreateChannel(channel *model.Channel) (*model.Channel, *model.AppError)
	AddChannelMember(channelID, userID string) (*model.ChannelMember, *model.AppError)
}

// Instrument wraps the Graph clients' transport (metrics).
type Instrument interface {
	Transport(next http.RoundTripper) http.RoundTripper
}

// Settings are the parts of the configuration routing reads.
type Settings struct {
	TeamName string
	Groups   []helpdesk.Group
	// Graph API access shared by every number.
	GraphBaseURL      string
	GraphVersion      string
	AccessToken       string
	BusinessAccountID string
	GraphTimeout      time.Duration
	MessagesPerSecond float64
}

// Routes resolves chat groups to their Mattermost places and Graph clients.
type Routes struct {
	API        API
	BotUserID  string
	Texts      *l10n.Translator
	Instrument Instrument
	// MediaBudget bounds the media bytes this node holds at once, across every number.
	MediaBudget *whatsapp.MediaBudget
	// Pacer, when set, builds the cluster-wide pacer of a phone number's sends.
	Pacer func(phoneNumberID string, perSecond float64) whatsapp.Pacer

	mu       sync.RWMutex
	gen      int // counts Setups, so a slow one never overwrites a newer one
	settings Settings
	routes   map[string]bridge.Route // by group name; only groups Setup prepared
	failed   map[string]error        // why a group is not set up
}

// Setup adopts s and prepares every chat group's queue channel (finding or creating it, joining
// the bot to the team and channel), so a wrong team name shows at once and agents can be added
// before the first message. Routes of the previous settings keep serving until the new ones are
// ready. The error lists the groups that could not be prepared; they are retried by Retry.
func (r *Routes) Setup(s Settings) error {
	r.mu.Lock()
	r.gen++
	gen := r.gen
	r.mu.Unlock()
	routes, failed := map[string]bridge.Route{}, map[string]error{}
	var first error
	for _, g := range s.Groups {
		route, err := r.prepare(s, g)
		if err != nil {
			failed[g.Name] = err
			if first == nil {
				first = errors.Wrapf(err, "chat group %q", g.Name)
			}
			continue
		}
		routes[g.Name] = route
	}
	r.mu.Lock()
	if r.gen == gen {
		r.settings, r.routes, r.failed = s, routes, failed
	}
	r.mu.Unlock()
	return first
}

// Retry prepares again the groups the last Setup could not, keeping the rest as they are.
func (r *Routes) Retry() error {
	r.mu.RLock()
	s, gen, pending := r.settings, r.gen, len(r.failed)
	r.mu.RUnlock()
	if pending == 0 {
		return nil
	}
	var first error
	for _, g := range s.Groups {
		r.mu.RLock()
		_, missing := r.failed[g.Name]
		r.mu.RUnlock()
		if !missing {
			continue
		}
		route, err := r.prepare(s, g)
		r.mu.Lock()
		if r.gen != gen {
			r.mu.Unlock()
			return nil // a newer Setup ran meanwhile
		}
		if err != nil {
			r.failed[g.Name] = err
		} else {
			delete(r.failed, g.Name)
			r.routes[g.Name] = route
		}
		r.mu.Unlock()
		if err != nil && first == nil {
			first = errors.Wrapf(err, "chat group %q", g.Name)
		}
	}
	return first
}

// ForNumber returns the route of the chat group serving a WhatsApp phone number ID.
func (r *Routes) ForNumber(phoneNumberID string) (bridge.Route, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if phoneNumberID != "" {
		for _, g := range r.settings.Groups {
			if g.PhoneNumberID == phoneNumberID {
				return r.routeLocked(g.Name)
			}
		}
	}
	return bridge.Route{}, errors.Wrapf(ErrUnknownNumber, "phone number ID %q", phoneNumberID)
}

// ForGroup returns a chat group's route by name.
func (r *Routes) ForGroup(name string) (bridge.Route, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, g := range r.settings.Groups {
		if g.Name == name {
			return r.routeLocked(name)
		}
	}
	return bridge.Route{}, errors.Errorf("chat group %q no longer exists", name)
}

func (r *Routes) routeLocked(name string) (bridge.Route, error) {
	if route, ok := r.routes[name]; ok {
		return route, nil
	}
	if err := r.failed[name]; err != nil {
		return bridge.Route{}, errors.Wrap(ErrNotSetUp, err.Error())
	}
	return bridge.Route{}, errors.Wrapf(ErrNotSetUp, "chat group %q", name)
}

// Groups lists the configured chat groups, the default one first.
func (r *Routes) Groups() []helpdesk.Group {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.settings.Groups
}

// TeamName is the team the helpdesk's channels live in.
func (r *Routes) TeamName() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.settings.TeamName
}

// TemplateSource is the default number's Graph client, which lists the account's HSM templates.
func (r *Routes) TemplateSource() (whatsapp.TemplateLister, error) {
	r.mu.RLock()
	waba := r.settings.BusinessAccountID
	r.mu.RUnlock()
	if waba == "" {
		return nil, ErrNoTemplates
	}
	route, err := r.ForGroup(helpdesk.DefaultGroupName)
	if err != nil {
		return nil, err
	}
	src, ok := route.Graph.(whatsapp.TemplateLister)
	if !ok {
		return nil, errors.New("the Graph API client cannot list templates")
	}
	return src, nil
}

// prepare finds the team, joins the bot to it and finds or creates the queue channel.
func (r *Routes) prepare(s Settings, group helpdesk.Group) (bridge.Route, error) {
	team, appErr := r.API.GetTeamByName(s.TeamName)
	if appErr != nil {
		return bridge.Route{}, errors.Wrapf(appErr, "team %q not found: check the Team setting", s.TeamName)
	}
	if _, appErr := r.API.CreateTeamMember(team.Id, r.BotUserID); appErr != nil {
		return bridge.Route{}, errors.Wrap(appErr, "failed to add the bot to the team")
	}
	queue, err := r.ensureQueueChannel(team.Id, group.QueueChannel)
	if err != nil {
		return bridge.Route{}, err
	}
	return bridge.Route{Group: group, TeamID: team.Id, QueueChannelID: queue.Id, Graph: r.graphClient(s, group.PhoneNumberID)}, nil
}

// ensureQueueChannel finds the queue channel by name or creates it (private: customers' names
// and numbers are shown there).
func (r *Routes) ensureQueueChannel(teamID, name string) (*model.Channel, error) {
	channel, appErr := r.API.GetChannelByName(teamID, name, false)
	if appErr != nil {
		channel, appErr = r.API.CreateChannel(&model.Channel{
			TeamId:      teamID,
			Type:        model.ChannelTypePrivate,
			Name:        name,
			DisplayName: r.Texts.T(r.Texts.ForServer(), "channel.queue_name", map[string]any{"Name": name}),
			Purpose:     r.Texts.T(r.Texts.ForServer(), "channel.queue_purpose", nil),
			CreatorId:   r.BotUserID,
		})
		if appErr != nil {
			// Another node may have created it a moment ago.
			existing, getErr := r.API.GetChannelByName(teamID, name, false)
			if getErr != nil {
				return nil, errors.Wrapf(appErr, "failed to create the queue channel %q", name)
			}
			channel = existing
		}
	}
	if _, appErr := r.API.AddChannelMember(channel.Id, r.BotUserID); appErr != nil && appErr.StatusCode != http.StatusBadRequest {
		return nil, errors.Wrap(appErr, "failed to add the bot to the queue channel")
	}
	return channel, nil
}

func (r *Routes) graphClient(s Settings, phoneNumberID string) *whatsapp.Client {
	transport := func() http.RoundTripper {
		if r.Instrument == nil {
			return nil
		}
		return r.Instrument.Transport(nil)
	}
	return whatsapp.NewClient(whatsapp.ClientConfig{
		BaseURL:         s.GraphBaseURL,
		Version:         s.GraphVersion,
		AccessToken:     s.AccessToken,
		PhoneNumberID:   phoneNumberID,
		WABAID:          s.BusinessAccountID,
		HTTPClient:      &http.Client{Timeout: s.GraphTimeout, Transport: transport()},
		MediaHTTPClient: &http.Client{Timeout: mediaTimeoutFactor * s.GraphTimeout, Transport: transport()},
		MaxAttempts:     4,
		BaseBackoff:     200 * time.Millisecond,
		// Above the ~6 s Meta suggests between messages to one customer (131056).
		MaxBackoff:        8 * time.Second,
		MessagesPerSecond: s.MessagesPerSecond,
		Pacer:             r.pacer(phoneNumberID, s.MessagesPerSecond),
		MediaBudget:       r.MediaBudget,
	})
}

func (r *Routes) pacer(phoneNumberID string, perSecond float64) whatsapp.Pacer {
	if r.Pacer == nil || perSecond <= 0 {
		return nil
	}
	return r.Pacer(phoneNumberID, perSecond)
}
