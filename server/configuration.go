package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// configuration mirrors plugin.json's settings_schema. It is treated as immutable: a change swaps
// the whole value under the plugin's lock.
type configuration struct {
	AccessToken        string
	PhoneNumberID      string
	BusinessAccountID  string
	AppSecret          string
	WebhookVerifyToken string
	GraphAPIBaseURL    string
	GraphAPIVersion    string
	MessagesPerSecond  float64
	// GraphAPITimeoutSeconds bounds one Graph API attempt.
	GraphAPITimeoutSeconds int

	TeamName                 string
	QueueChannelName         string
	AutoDistribution         bool
	MaxConversationsPerAgent int
	QueueEntryMessage        string
	StartMessage             string
	EndMessage               string
	AgentsOfflineMessage     string
	CreditsGranted           int
	LowCreditThreshold       int
	InternalNotePrefix       string
	ChatGroups               string
	// Business hours of the default group, its out-of-hours message, and the survey after close.
	BusinessHours     string
	TimeZone          string
	Holidays          string
	OutOfHoursMessage string
	SurveyEnabled     bool
	SurveyQuestion    string
	// RetentionDays erases closed conversations older than this (LGPD); 0 keeps everything.
	RetentionDays int
	// OptOutWords opt a customer out when a whole message is one of them (empty: the defaults).
	OptOutWords string

	// Hidden settings (not in plugin.json), for tests: how long one post's send may take before
	// another node marks it, and how often the repair job looks (0 = the defaults).
	OutboundLeaseSeconds int
	RepairIntervalMillis int
	// RetentionIntervalMillis is how often the retention job looks (hidden, for tests).
	RetentionIntervalMillis int
	// JobIntervalMillis shortens the media-retry, distribution and template-sync jobs (hidden,
	// for tests).
	JobIntervalMillis int
	// ClockOffsetMillis moves the plugin's clock (hidden), so a test can step through hours and
	// pin the clock to scripted instants despite the real time its steps take.
	ClockOffsetMillis int64

	// chatGroups is ChatGroups parsed once when the configuration is loaded, so routing a
	// webhook does not decode JSON for every message.
	chatGroups []helpdesk.Group
	// optOutWords is OptOutWords parsed once, for the same reason: every inbound text is matched.
	optOutWords helpdesk.OptOutWords
}

func (c *configuration) Clone() *configuration {
	clone := *c
	return &clone
}

// maxRetentionDays bounds the retention setting (a hundred years).
const maxRetentionDays = 36500

var (
	graphVersionPattern = regexp.MustCompile(`^v\d+\.\d+$`)
	channelNamePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
)

// applyDefaults fills what an admin may leave empty; the System Console does not always store
// plugin.json defaults before the first save.
func (c *configuration) applyDefaults() {
	if c.GraphAPIBaseURL == "" {
		c.GraphAPIBaseURL = "https://graph.facebook.com"
	}
	c.GraphAPIBaseURL = strings.TrimRight(c.GraphAPIBaseURL, "/")
	if c.GraphAPIVersion == "" {
		c.GraphAPIVersion = "v25.0"
	}
	if c.QueueChannelName == "" {
		c.QueueChannelName = "whatsapp-queue"
	}
	if c.MaxConversationsPerAgent <= 0 {
		c.MaxConversationsPerAgent = 5
	}
	if c.MessagesPerSecond <= 0 {
		c.MessagesPerSecond = 20
	}
	if c.GraphAPITimeoutSeconds <= 0 {
		c.GraphAPITimeoutSeconds = 20
	}
	if c.InternalNotePrefix == "" {
		c.InternalNotePrefix = "//"
	}
}

// validate reports settings that are wrong (as opposed to merely missing): the plugin keeps
// running and says exactly what to fix.
func (c *configuration) validate() error {
	var problems []string
	if u, err := url.Parse(c.GraphAPIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, "Graph API base URL must be an http(s) URL")
	}
	if !graphVersionPattern.MatchString(c.GraphAPIVersion) {
		problems = append(problems, "Graph API version must look like v25.0")
	}
	if !channelNamePattern.MatchString(c.QueueChannelName) {
		problems = append(problems, "queue channel must be a channel name as in its URL (lowercase letters, digits, - and _)")
	}
	if c.RetentionDays < 0 || c.RetentionDays > maxRetentionDays {
		problems = append(problems, "retention must be between 0 (keep everything) and 36500 days")
	}
	if c.CreditsGranted < 0 || c.LowCreditThreshold < 0 {
		problems = append(problems, "credits and the low-credit threshold cannot be negative")
	}
	if _, err := c.parseGroups(); err != nil {
		problems = append(problems, err.Error())
	}
	problems = append(problems, c.serviceProblems()...)
	if len(problems) > 0 {
		return errors.New("invalid WhatsApp Helpdesk settings: " + strings.Join(problems, "; "))
	}
	return nil
}

// missing lists the settings without which the plugin cannot serve WhatsApp at all.
func (c *configuration) missing() []string {
	var out []string
	for _, s := range []struct{ name, value string }{
		{"access token", c.AccessToken},
		{"phone number ID", c.PhoneNumberID},
		{"app secret", c.AppSecret},
		{"team", c.TeamName},
	} {
		if strings.TrimSpace(s.value) == "" {
			out = append(out, s.name)
		}
	}
	return out
}

// groups returns the default chat group followed by the additional ones of the ChatGroups JSON.
func (c *configuration) groups() ([]helpdesk.Group, error) {
	if c.chatGroups != nil {
		return c.chatGroups, nil
	}
	return c.parseGroups()
}

func (c *configuration) parseGroups() ([]helpdesk.Group, error) {
	groups := []helpdesk.Group{{
		Name:                 helpdesk.DefaultGroupName,
		PhoneNumberID:        c.PhoneNumberID,
		QueueChannel:         c.QueueChannelName,
		QueueEntryMessage:    c.QueueEntryMessage,
		StartMessage:         c.StartMessage,
		EndMessage:           c.EndMessage,
		AgentsOfflineMessage: c.AgentsOfflineMessage,
		BusinessHours:        c.BusinessHours,
		TimeZone:             c.TimeZone,
		Holidays:             c.Holidays,
		OutOfHoursMessage:    c.OutOfHoursMessage,
	}}
	if err := parseHours(&groups[0]); err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.ChatGroups) == "" {
		return groups, nil
	}
	var extra []helpdesk.Group
	if err := json.Unmarshal([]byte(c.ChatGroups), &extra); err != nil {
		return nil, errors.Wrap(err, "additional chat groups must be a JSON list")
	}
	seen := map[string]bool{helpdesk.DefaultGroupName: true, c.PhoneNumberID: c.PhoneNumberID != ""}
	for i, g := range extra {
		switch {
		case g.Name == "" || g.PhoneNumberID == "" || g.QueueChannel == "":
			return nil, errors.Errorf("chat group %d needs name, phone_number_id and queue_channel", i+1)
		case !channelNamePattern.MatchString(g.QueueChannel):
			return nil, errors.Errorf("chat group %q: queue_channel %q is not a channel name", g.Name, g.QueueChannel)
		case seen[g.Name] || seen[g.PhoneNumberID]:
			return nil, errors.Errorf("chat group %q repeats a name or phone_number_id", g.Name)
		}
		seen[g.Name], seen[g.PhoneNumberID] = true, true
		if err := parseHours(&g); err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, nil
}

func (p *Plugin) getConfiguration() *configuration {
	p.configurationLock.RLock()
	defer p.configurationLock.RUnlock()
	if p.configuration == nil {
		return &configuration{}
	}
	return p.configuration
}

// configProblem says why the plugin cannot serve WhatsApp right now, or nil.
func (p *Plugin) configProblem() error {
	p.configurationLock.RLock()
	defer p.configurationLock.RUnlock()
	return p.problem
}

func (p *Plugin) setConfiguration(c *configuration, problem error) {
	p.configurationLock.Lock()
	defer p.configurationLock.Unlock()
	p.configuration = c
	p.problem = problem
}

// OnConfigurationChange loads, completes and validates the settings. A wrong setting is logged
// and kept visible (webhooks answer 503 with the reason) instead of crashing the plugin.
func (p *Plugin) OnConfigurationChange() (err error) {
	defer p.recoverHook("OnConfigurationChange", &err)
	cfg := &configuration{}
	if err := p.API.LoadPluginConfiguration(cfg); err != nil {
		return errors.Wrap(err, "failed to load plugin configuration")
	}
	cfg.applyDefaults()
	cfg.optOutWords = helpdesk.ParseOptOutWords(cfg.OptOutWords)
	if cfg.WebhookVerifyToken == "" {
		token, err := randomToken()
		if err != nil {
			return err
		}
		cfg.WebhookVerifyToken = token
		p.saveGeneratedVerifyToken(token)
	}
	problem := cfg.validate()
	if problem == nil {
		cfg.chatGroups, _ = cfg.parseGroups()
	}
	if problem == nil {
		if missing := cfg.missing(); len(missing) > 0 {
			problem = errors.New("WhatsApp Helpdesk is not configured yet: set " + strings.Join(missing, ", ") + " in System Console > Plugins > WhatsApp Helpdesk")
		}
	}
	if problem != nil {
		p.API.LogError("WhatsApp Helpdesk settings need attention", "problem", problem.Error())
	}
	p.setConfiguration(cfg, problem)
	if p.texts != nil {
		p.texts.RefreshServerLocale()
	}
	p.configure()
	return nil
}

// saveGeneratedVerifyToken persists a generated verify token so every node and the System Console
// show the same one.
func (p *Plugin) saveGeneratedVerifyToken(token string) {
	// GetPluginConfig masks secrets; saving its answer back would overwrite the access token
	// and app secret with the mask. LoadPluginConfiguration gives the real values.
	stored := map[string]any{}
	if err := p.API.LoadPluginConfiguration(&stored); err != nil {
		p.API.LogWarn("Could not read the settings to save the generated verify token", "error", err.Error())
		return
	}
	if existing, _ := stored["webhookverifytoken"].(string); existing != "" {
		return
	}
	stored["webhookverifytoken"] = token
	if appErr := p.API.SavePluginConfig(stored); appErr != nil {
		p.API.LogWarn("Could not save the generated webhook verify token", "error", appErr.Error())
	}
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", errors.Wrap(err, "failed to generate a token")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ConfigurationWillBeSaved rejects wrong WhatsApp Helpdesk settings before they are saved, so the
// System Console shows the reason next to the Save button instead of the plugin misbehaving.
func (p *Plugin) ConfigurationWillBeSaved(newCfg *model.Config) (_ *model.Config, err error) {
	defer p.recoverHook("ConfigurationWillBeSaved", &err)
	if newCfg == nil {
		return nil, nil
	}
	settings, ok := newCfg.PluginSettings.Plugins[manifestID]
	if !ok {
		return nil, nil
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		return nil, errors.Wrap(err, "failed to read the WhatsApp Helpdesk settings")
	}
	cfg := &configuration{}
	if err := json.Unmarshal(raw, cfg); err != nil {
		return nil, errors.New("invalid WhatsApp Helpdesk settings: " + err.Error())
	}
	cfg.applyDefaults()
	return nil, cfg.validate()
}
