package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/mattermost/mattermost/server/public/pluginapi/cluster"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/command"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/httpapi"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/metrics"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/notify"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/privacy"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/routing"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/webhook"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

const (
	mediaRetryInterval   = time.Minute
	distributeInterval   = 5 * time.Second
	templateSyncInterval = time.Hour
	statsInterval        = 30 * time.Second
	repairInterval       = 30 * time.Second
	drainTimeout         = 20 * time.Second
	// mediaTimeoutFactor gives file transfers (up to 100 MB) longer than a JSON call.
	mediaTimeoutFactor = 4
)

// Plugin is the composition root: it builds the services on activation, pushes settings to them
// on every configuration change, and delegates each hook to one of them. Nothing is global.
type Plugin struct {
	plugin.MattermostPlugin

	client *pluginapi.Client

	configurationLock sync.RWMutex
	configuration     *configuration
	problem           error

	botUserID string
	kv        store.KV
	texts     *l10n.Translator
	routes    *routing.Routes
	notifier  *notify.Notifier
	inbound   *bridge.Inbound
	outbound  *bridge.Outbound
	desk      *workflow.Desk
	commands  *command.Handler
	webhook   *webhook.Handler
	privacy   *privacy.Service
	stats     *metrics.Counters
	router    *mux.Router

	nodeID    string
	jobs      []*cluster.Job
	stopStats chan struct{}
}

// OnActivate sets up the bot, translations and the domain services.
func (p *Plugin) OnActivate() (err error) {
	defer p.recoverHook("OnActivate", &err)
	p.client = pluginapi.NewClient(p.API, p.Driver)
	// Updates that follow this node's own writes skip their read (store.Guesses).
	p.kv = store.NewGuesses(&p.client.KV, 4096)

	botID, err := p.client.Bot.EnsureBot(&model.Bot{
		Username:    "whatsapp",
		DisplayName: "WhatsApp Helpdesk",
		Description: "Brings your customers' WhatsApp conversations into Mattermost.",
	}, pluginapi.ProfileImagePath("assets/bot.png"))
	if err != nil {
		return errors.Wrap(err, "failed to ensure the bot account")
	}
	p.botUserID = botID

	if p.texts, err = l10n.New(p.API); err != nil {
		return err
	}
	signingKey, err := p.actionKey()
	if err != nil {
		return err
	}
	phones, err := p.phoneKeys()
	if err != nil {
		return err
	}

	if err := p.migrateIndexes(); err != nil {
		return err
	}
	p.nodeID = model.NewId()
	p.stats = metrics.New(p.kv, p.nodeID, manifestVersion)
	p.wire(botID, signingKey, phones)
	p.configure()
	if err := p.migratePhoneKeys(); err != nil {
		return err
	}
	go p.backfill()
	if err := p.API.RegisterCommand(command.Definition()); err != nil {
		return errors.Wrap(err, "failed to register /whatsapp")
	}
	p.stopStats = make(chan struct{})
	go p.flushStats(p.stopStats)

	// Periodic work runs once per cluster: the job's KV mutex lets one node take each round.
	for _, j := range []struct {
		key   string
		every time.Duration
		run   func()
	}{
		{"media-retry", p.jobInterval(mediaRetryInterval), p.retryMedia},
		{"distribute", p.jobInterval(distributeInterval), p.distribute},
		{"templates-sync", p.jobInterval(templateSyncInterval), p.syncTemplates},
		{"repair", p.repairInterval(), p.repair},
		{"retention", p.retentionInterval(), p.enforceRetention},
		{"window-reminder", p.jobInterval(reminderInterval), p.remindWindows},
	} {
		job, err := cluster.Schedule(p.API, j.key, cluster.MakeWaitForInterval(j.every), j.run)
		if err != nil {
			return errors.Wrapf(err, "failed to schedule the %s job", j.key)
		}
		p.jobs = append(p.jobs, job)
	}
	return nil
}

// migrateIndexes converts the single-value lists of earlier versions to chunked indexes (one read
// each once done); every node may run it at once.
func (p *Plugin) migrateIndexes() error {
	for _, key := range []string{
		store.ConversationIndexKey(helpdesk.StateWaiting), store.ConversationIndexKey(helpdesk.StateActive),
		store.ConversationIndexKey(helpdesk.StateClosed), store.TicketIndexKey(helpdesk.TicketDraft),
		store.TicketIndexKey(helpdesk.TicketSaved), store.PeopleIndexKey(), store.MediaRetryIndexKey(),
		store.NodeStatsIndexKey(),
	} {
		if err := store.NewIndex(p.kv, key).Migrate(); err != nil {
			return errors.Wrapf(err, "failed to migrate the list %s", key)
		}
	}
	return nil
}

// OnDeactivate lets in-flight webhooks finish (new ones get 503, so Meta retries them on another
// node or later) and stops the periodic jobs.
func (p *Plugin) OnDeactivate() error {
	if p.webhook != nil {
		p.webhook.Stop(drainTimeout)
	}
	for _, job := range p.jobs {
		if err := job.Close(); err != nil {
			p.API.LogWarn("Could not stop a job", "error", err.Error())
		}
	}
	p.jobs = nil
	if p.stopStats != nil {
		close(p.stopStats)
		p.stopStats = nil
	}
	return nil
}

// flushStats publishes this node's counters every statsInterval until deactivation.
func (p *Plugin) flushStats(stop <-chan struct{}) {
	ticker := time.NewTicker(statsInterval)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			if err := p.stats.Flush(); err != nil {
				p.API.LogWarn("Could not publish counters", "error", err.Error())
			}
		}
	}
}

func (p *Plugin) retryMedia() {
	defer p.recoverHook("retryMedia", nil)
	if p.configProblem() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), mediaRetryInterval)
	defer cancel()
	if _, err := p.inbound.RetryMedia(ctx); err != nil {
		p.API.LogWarn("WhatsApp media retry round failed", "error", err.Error())
	}
}

// jobInterval is def, or the hidden JobIntervalMillis setting when a test sets it, so no test
// waits out the media-retry, distribution or template-sync rounds.
func (p *Plugin) jobInterval(def time.Duration) time.Duration {
	if ms := p.getConfiguration().JobIntervalMillis; ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return def
}

// repairInterval is how often the repair job runs; a hidden setting shortens it for tests.
func (p *Plugin) repairInterval() time.Duration {
	if ms := p.getConfiguration().RepairIntervalMillis; ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return repairInterval
}

// outboundLease bounds one post's send: every attempt of the Graph client with its backoffs,
// plus pacing. After it another node may mark the send as interrupted.
func (p *Plugin) outboundLease() time.Duration {
	cfg := p.getConfiguration()
	if cfg.OutboundLeaseSeconds > 0 {
		return time.Duration(cfg.OutboundLeaseSeconds) * time.Second
	}
	return 4*time.Duration(cfg.GraphAPITimeoutSeconds)*time.Second + time.Minute
}

// repair finishes what a stopped node left half done: sends, closes, new conversations' setup,
// and chat groups whose channels could not be set up yet.
func (p *Plugin) repair() {
	defer p.recoverHook("repair", nil)
	if err := p.routes.Retry(); err != nil && p.configProblem() == nil {
		p.API.LogError("WhatsApp Helpdesk could not set up a chat group's channels", "error", err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := p.outbound.RepairSends(ctx); err != nil {
		p.API.LogWarn("Repair of interrupted sends failed", "error", err.Error())
	}
	if p.configProblem() != nil {
		return
	}
	p.desk.Repair(ctx)
}

// actionKey returns the cluster-wide key that signs post-action contexts, creating it once.
func (p *Plugin) actionKey() ([]byte, error) {
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	if _, err := store.Insert(p.kv, store.ActionSecretKey(), token, 0); err != nil {
		return nil, err
	}
	var key string
	if _, err := store.GetJSON(p.kv, store.ActionSecretKey(), &key); err != nil || key == "" {
		return nil, errors.Wrap(err, "failed to load the action signing key")
	}
	return []byte(key), nil
}

// ServeHTTP hands every request under /plugins/whatsapp-helpdesk to the router.
func (p *Plugin) ServeHTTP(_ *plugin.Context, w http.ResponseWriter, r *http.Request) {
	defer func() {
		if rec := recover(); rec != nil {
			p.API.LogError("Recovered from a panic in ServeHTTP", "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			httpapi.WriteError(w, http.StatusInternalServerError, "internal error")
		}
	}()
	if p.router == nil {
		httpapi.WriteError(w, http.StatusServiceUnavailable, "WhatsApp Helpdesk is starting")
		return
	}
	p.router.ServeHTTP(w, r)
}

// recoverHook keeps a panic in a hook from killing the plugin process.
func (p *Plugin) recoverHook(hook string, err *error) {
	if rec := recover(); rec != nil {
		p.API.LogError("Recovered from a panic", "hook", hook, "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
		if err != nil {
			*err = errors.Errorf("%s failed: %v", hook, rec)
		}
	}
}
