// Package workflow is what agents do: attend, invite, answer with macros and HSMs, set a status
// and close into a draft ticket. Slash commands, post actions and the HTTP API all call it, so the
// three behave the same.
package workflow

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/action"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/reports"
)

// Settings are the parts of the configuration the workflow reads; the plugin pushes them on
// every configuration change (Configure).
type Settings struct {
	AutoDistribution bool
	MaxPerAgent      int
	Groups           []helpdesk.Group
	// Lease is how long a close or a new conversation's setup may take before the repair job
	// completes it (0 = 2 minutes).
	Lease time.Duration
}

// Group returns a chat group by name.
func (s Settings) Group(name string) (helpdesk.Group, bool) {
	for _, g := range s.Groups {
		if g.Name == name {
			return g, true
		}
	}
	return helpdesk.Group{}, false
}

// Routes finds a chat group's queue channel and Graph client (server/routing).
type Routes interface {
	ForGroup(name string) (bridge.Route, error)
}

// Notifier pushes changes to agents' browsers and tells the other nodes (server/notify).
type Notifier interface {
	ConversationChanged(*helpdesk.Conversation)
	TicketChanged(*helpdesk.Ticket)
	// ConversationClosed lets every node forget what it cached about the conversation.
	ConversationClosed(convID string)
}

// Announcer posts a conversation's missing queue announcement and rewrites it as the
// conversation is attended and closed (server/bridge).
type Announcer interface {
	Announce(route bridge.Route, conv *helpdesk.Conversation) error
	UpdateAnnouncement(conv *helpdesk.Conversation)
}

// Stores are the records the desk owns. Only the desk reads or writes them, so every edge (slash
// command, buttons, dialogs, HTTP API) goes through the same checks.
type Stores struct {
	Conversations *helpdesk.Conversations
	People        *helpdesk.People
	Tickets       *helpdesk.Tickets
	Macros        *helpdesk.Macros
	Credits       *helpdesk.Credits
	Templates     *Templates
	Pauses        *helpdesk.Pauses
	Reports       *reports.Service
}

// Deps are the services the desk uses.
type Deps struct {
	API       API
	BotUserID string
	Outbound  *bridge.Outbound
	Texts     *l10n.Translator
	Signer    action.Signer
	Now       func() time.Time
	Routes    Routes
	Notify    Notifier
	Announcer Announcer
	Opener    Opener
}

// Desk carries out agents' actions.
type Desk struct {
	Deps

	conversations *helpdesk.Conversations
	people        *helpdesk.People
	tickets       *helpdesk.Tickets
	macros        *helpdesk.Macros
	credits       *helpdesk.Credits
	templates     *Templates
	pauses        *helpdesk.Pauses
	reports       *reports.Service

	current atomic.Pointer[Settings]

	// distMu guards one distribution run per node: distAgain asks the running one to go round
	// once more (Distribute).
	distMu      sync.Mutex
	distRunning bool
	distAgain   bool
}

// NewDesk returns a desk over its stores.
func NewDesk(deps Deps, s Stores) *Desk {
	return &Desk{
		Deps: deps, conversations: s.Conversations, people: s.People, tickets: s.Tickets,
		macros: s.Macros, credits: s.Credits, templates: s.Templates,
		pauses: s.Pauses, reports: s.Reports,
	}
}

// Configure adopts new settings.
func (d *Desk) Configure(s Settings) { d.current.Store(&s) }

// Settings returns the settings last configured (zero before the first Configure).
func (d *Desk) Settings() Settings {
	if s := d.current.Load(); s != nil {
		return *s
	}
	return Settings{}
}

// ErrForbidden is returned when the user is not an agent of the conversation's chat group.
var ErrForbidden = helpdesk.ErrForbidden

// IsAdmin reports whether userID is a system admin.
func (d *Desk) IsAdmin(userID string) bool {
	return d.API.HasPermissionTo(userID, model.PermissionManageSystem)
}

// IsAgent reports whether userID is an agent of group: a member of its queue channel, or a
// system admin.
func (d *Desk) IsAgent(userID, group string) bool {
	if d.IsAdmin(userID) {
		return true
	}
	route, err := d.Routes.ForGroup(group)
	if err != nil {
		return false
	}
	_, appErr := d.API.GetChannelMember(route.QueueChannelID, userID)
	return appErr == nil
}

// AgentGroups lists the chat groups userID is an agent of.
func (d *Desk) AgentGroups(userID string) []string {
	var out []string
	for _, g := range d.Settings().Groups {
		if d.IsAgent(userID, g.Name) {
			out = append(out, g.Name)
		}
	}
	return out
}

// PeopleScope is whose people userID may see: everyone for a system admin, otherwise the
// people of the user's chat groups.
func (d *Desk) PeopleScope(userID string) helpdesk.Scope {
	if d.IsAdmin(userID) {
		return helpdesk.Scope{All: true}
	}
	return helpdesk.Scope{Groups: d.AgentGroups(userID)}
}

// Person loads a person userID may see; others are "not found", so ids reveal nothing.
func (d *Desk) Person(userID, id string) (*helpdesk.Person, error) {
	p, err := d.people.Get(id)
	if err != nil {
		return nil, err
	}
	if !d.PeopleScope(userID).Sees(p) {
		return nil, helpdesk.Refuse(helpdesk.ErrNotFound, "error.no_customer")
	}
	return p, nil
}

// IsAnyAgent reports whether userID may use the helpdesk at all.
func (d *Desk) IsAnyAgent(userID string) bool { return len(d.AgentGroups(userID)) > 0 }

// Conversation loads a conversation the user may act on.
func (d *Desk) Conversation(userID, id string) (*helpdesk.Conversation, error) {
	conv, err := d.conversations.Get(id)
	if err != nil {
		return nil, err
	}
	if !d.IsAgent(userID, conv.Group) {
		return nil, helpdesk.Refuse(ErrForbidden, "error.not_group_agent")
	}
	return conv, nil
}

// Handled loads a conversation the user may act on as its agent (close, set its status, send
// macros and HSMs, invite): its attending agent, a member of its channel, or a system admin.
// Everyone else of the chat group is refused, so no agent takes over a colleague's customer.
func (d *Desk) Handled(userID, id string) (*helpdesk.Conversation, error) {
	conv, err := d.conversations.Get(id)
	if err != nil {
		return nil, err
	}
	if d.IsAdmin(userID) || (conv.AgentID != "" && conv.AgentID == userID) {
		return conv, nil
	}
	if conv.ChannelID != "" {
		if _, appErr := d.API.GetChannelMember(conv.ChannelID, userID); appErr == nil {
			return conv, nil
		}
	}
	if !d.IsAgent(userID, conv.Group) {
		return nil, helpdesk.Refuse(ErrForbidden, "error.not_group_agent")
	}
	if conv.AgentID == "" {
		return nil, helpdesk.Refuse(ErrForbidden, "error.attend_first")
	}
	return nil, helpdesk.Refuse(ErrForbidden, "error.not_your_conversation", "Agent", d.username(conv.AgentID))
}

// Find resolves what an agent typed: a conversation id, or a customer's phone number (their
// open conversation).
func (d *Desk) Find(userID, ref string) (*helpdesk.Conversation, error) {
	ref = strings.TrimSpace(ref)
	if model.IsValidId(ref) {
		return d.Conversation(userID, ref)
	}
	phone := helpdesk.CanonicalPhone(ref)
	if phone == "" {
		return nil, helpdesk.Refuse(helpdesk.ErrNotFound, "error.no_conversation", "Ref", ref)
	}
	for _, state := range []string{helpdesk.StateWaiting, helpdesk.StateActive} {
		convs, err := d.conversations.List(state)
		if err != nil {
			return nil, err
		}
		for _, c := range convs {
			p, err := d.people.Get(c.PersonID)
			if err == nil && p.Phone == phone && d.IsAgent(userID, c.Group) {
				return c, nil
			}
		}
	}
	return nil, helpdesk.Refuse(helpdesk.ErrNotFound, "error.no_open_conversation", "Phone", helpdesk.FormatPhone(phone))
}

// InChannel returns the conversation of a channel, for commands typed inside it.
func (d *Desk) InChannel(userID, channelID string) (*helpdesk.Conversation, error) {
	conv, err := d.conversations.ByChannel(channelID)
	if err != nil {
		return nil, err
	}
	return d.Conversation(userID, conv.ID)
}

// List returns the conversations in a state from the user's chat groups, oldest first.
func (d *Desk) List(userID, state string) ([]*helpdesk.Conversation, error) {
	if state != helpdesk.StateWaiting && state != helpdesk.StateActive && state != helpdesk.StateClosed {
		return nil, errors.Wrapf(helpdesk.ErrInvalid, "unknown state %q", state)
	}
	convs, err := d.conversations.List(state)
	if err != nil {
		return nil, err
	}
	groups := map[string]bool{}
	for _, g := range d.AgentGroups(userID) {
		groups[g] = true
	}
	out := convs[:0]
	for _, c := range convs {
		if groups[c.Group] {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt < out[j].CreatedAt })
	return out, nil
}

func (d *Desk) changed(c *helpdesk.Conversation) {
	if d.Notify != nil && c != nil {
		d.Notify.ConversationChanged(c)
	}
}

func (d *Desk) vars(conv *helpdesk.Conversation, agentID string) helpdesk.MacroVars {
	v := helpdesk.MacroVars{CustomerName: conv.CustomerName, ConversationID: conv.ID}
	if p, err := d.people.Get(conv.PersonID); err == nil {
		v.CustomerName = p.Name
	}
	// The text is also posted in the channel: a name like "@all" must notify nobody there (the
	// zero-width space it gets is invisible on WhatsApp).
	v.CustomerName = format.NeutralizeMentions(v.CustomerName)
	if agentID != "" {
		if u, appErr := d.API.GetUser(agentID); appErr == nil {
			v.AgentName = displayName(u)
		}
	}
	return v
}

func displayName(u *model.User) string {
	if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
		return name
	}
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.Username
}

// noticeCtx gives plugin-initiated sends their own deadline, detached from a short request.
func noticeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// ListPage returns one page of the conversations in a state from the user's chat groups and how
// many there are. An agent of every chat group (and a system admin) reads just the page; an
// agent of some groups only gets the others' conversations filtered out, which reads the whole
// list, since the lists are not kept per group.
func (d *Desk) ListPage(userID, state string, page helpdesk.Page) ([]*helpdesk.Conversation, int, error) {
	if state != helpdesk.StateWaiting && state != helpdesk.StateActive && state != helpdesk.StateClosed {
		return nil, 0, helpdesk.Refuse(helpdesk.ErrInvalid, "error.bad_state", "State", state)
	}
	mine := d.AgentGroups(userID)
	if len(mine) == len(d.Settings().Groups) {
		return d.conversations.Page(state, page)
	}
	all, err := d.List(userID, state)
	if err != nil {
		return nil, 0, err
	}
	if state == helpdesk.StateClosed {
		sort.SliceStable(all, func(i, j int) bool { return all[i].ClosedAt > all[j].ClosedAt })
	}
	from := min(page.Offset(), len(all))
	return all[from:min(from+page.PerPage, len(all))], len(all), nil
}
