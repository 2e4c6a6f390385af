package mmfake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
)

// Events receives what the real server turns into plugin hook calls. Node is the name
// given to NewAPI for the API that caused the event. Every field is optional.
//
// The Will* callbacks run synchronously, like the server's; the others run in their own
// goroutine (tracked by WaitIdle), like the server's, so a plugin never blocks its own
// API call on its own hook.
type Events struct {
	MessageWillBePosted   func(node string, post *model.Post) (*model.Post, string)
	MessageWillBeUpdated  func(node string, newPost, oldPost *model.Post) (*model.Post, string)
	MessageHasBeenPosted  func(node string, post *model.Post)
	MessageHasBeenUpdated func(node string, newPost, oldPost *model.Post)
	MessageHasBeenDeleted func(node string, post *model.Post)

	ReactionHasBeenAdded   func(node string, reaction *model.Reaction)
	ReactionHasBeenRemoved func(node string, reaction *model.Reaction)

	// PluginClusterEvent must deliver ev to the plugin on every node except fromNode.
	PluginClusterEvent func(fromNode, pluginID string, ev model.PluginClusterEvent)
	// ConfigurationChanged must run OnConfigurationChange on every node.
	ConfigurationChanged func(fromNode string)

	// Log sees every LogDebug/Info/Warn/Error call as it is recorded.
	Log func(LogEntry)
}

// Store is the shared in-memory database behind one or more API values. The zero value is
// not usable; call NewStore. All methods are safe for concurrent use.
type Store struct {
	mu sync.Mutex

	clockOffset time.Duration
	seq         int64

	manifests   map[string]*model.Manifest
	bundlePaths map[string]string
	config      *model.Config

	kv map[string]map[string]kvEntry // plugin id -> key
	// kvFault, when set, decides which plugin KV calls fail (SetKVFault).
	kvFault func(op, key string) bool

	users       map[string]*model.User
	bots        map[string]*model.Bot
	statuses    map[string]*model.Status
	images      map[string][]byte
	preferences map[string][]model.Preference

	teams          map[string]*model.Team
	teamMembers    map[string]map[string]*model.TeamMember // team id -> user id
	channels       map[string]*model.Channel
	channelMembers map[string]map[string]*model.ChannelMember // channel id -> user id

	posts        map[string]*postRecord
	reactions    map[string][]*model.Reaction // post id
	ephemeralLog []EphemeralPost

	files     map[string]*model.FileInfo
	fileData  map[string][]byte
	fileOrder []string

	commands      []RegisteredCommand
	dialogs       []OpenedDialog
	wsEvents      []WebSocketEvent
	clusterEvents []ClusterEvent
	logs          []LogEntry

	triggerKey  *ecdsa.PrivateKey
	installDate int64
	diagnostic  string

	events  Events
	pending int
	idle    *sync.Cond
}

// NewStore returns an empty server with a default configuration (model.Config.SetDefaults)
// and SiteURL http://localhost:8065.
func NewStore() *Store {
	cfg := &model.Config{}
	cfg.SetDefaults()
	cfg.ServiceSettings.SiteURL = model.NewPointer("http://localhost:8065")

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // the system's random source is broken; nothing can work
	}

	s := &Store{
		manifests:      map[string]*model.Manifest{},
		bundlePaths:    map[string]string{},
		config:         cfg,
		kv:             map[string]map[string]kvEntry{},
		users:          map[string]*model.User{},
		bots:           map[string]*model.Bot{},
		statuses:       map[string]*model.Status{},
		images:         map[string][]byte{},
		preferences:    map[string][]model.Preference{},
		teams:          map[string]*model.Team{},
		teamMembers:    map[string]map[string]*model.TeamMember{},
		channels:       map[string]*model.Channel{},
		channelMembers: map[string]map[string]*model.ChannelMember{},
		posts:          map[string]*postRecord{},
		reactions:      map[string][]*model.Reaction{},
		files:          map[string]*model.FileInfo{},
		fileData:       map[string][]byte{},
		triggerKey:     key,
		installDate:    model.GetMillis(),
		diagnostic:     model.NewId(),
	}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// NewAPI returns the plugin API a plugin with this manifest sees on the named node. The
// harness calls it once per plugin activation.
func (s *Store) NewAPI(manifest *model.Manifest, nodeName string) *API {
	s.mu.Lock()
	s.manifests[manifest.Id] = manifest
	s.mu.Unlock()
	return &API{store: s, manifest: manifest, pluginID: manifest.Id, node: nodeName}
}

var _ plugin.API = (*API)(nil)

// SetEvents installs the hook callbacks, replacing earlier ones.
func (s *Store) SetEvents(e Events) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = e
}

func (s *Store) getEvents() Events {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.events
}

// async runs f in a goroutine that WaitIdle waits for.
func (s *Store) async(f func()) {
	s.mu.Lock()
	s.pending++
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			s.pending--
			if s.pending == 0 {
				s.idle.Broadcast()
			}
			s.mu.Unlock()
		}()
		f()
	}()
}

// WaitIdle waits until no asynchronous hook delivery is running, including deliveries
// started by other deliveries (a hook that posts). It reports false on timeout.
func (s *Store) WaitIdle(timeout time.Duration) bool {
	expired := false // guarded by mu, like pending, so no wake-up is lost
	timer := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		expired = true
		s.idle.Broadcast()
	})
	defer timer.Stop()

	s.mu.Lock()
	defer s.mu.Unlock()
	for s.pending > 0 {
		if expired {
			return false
		}
		s.idle.Wait()
	}
	return true
}

// Now is the store's clock: wall time plus whatever AdvanceClock added.
func (s *Store) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Store) now() time.Time { return time.Now().Add(s.clockOffset) }

func (s *Store) nowMillis() int64 { return s.now().UnixMilli() }

// AdvanceClock moves the store's clock forward, expiring KV entries without sleeping.
// Timestamps the store assigns (CreateAt, UpdateAt, ...) follow the same clock.
func (s *Store) AdvanceClock(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clockOffset += d
}

// nextSeq numbers records in creation order, so lists ordered by CreateAt stay stable when
// several records share a millisecond.
func (s *Store) nextSeq() int64 {
	s.seq++
	return s.seq
}

func appError(where, id string, status int, details string) *model.AppError {
	return model.NewAppError(where, id, nil, details, status)
}
