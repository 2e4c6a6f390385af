package main

import (
	"github.com/mattermost/mattermost/server/public/pluginapi/cluster"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// runOnce runs a data migration once per cluster: a cluster mutex keeps other nodes waiting
// while one runs it, and a KV marker makes later activations skip it. The migration itself must
// be idempotent, so a node that dies midway leaves it to the next activation.
func (p *Plugin) runOnce(name string, migrate func() (int, error)) error {
	var done bool
	if _, err := store.GetJSON(p.kv, store.MigrationKey(name), &done); err != nil || done {
		return err
	}
	mu, err := cluster.NewMutex(p.API, "migrate-"+name)
	if err != nil {
		return errors.Wrapf(err, "failed to create the lock of migration %s", name)
	}
	mu.Lock()
	defer mu.Unlock()
	if _, err := store.GetJSON(p.kv, store.MigrationKey(name), &done); err != nil || done {
		return err
	}
	n, err := migrate()
	if err != nil {
		return errors.Wrapf(err, "migration %s failed after %d records", name, n)
	}
	if err := store.SetJSON(p.kv, store.MigrationKey(name), true); err != nil {
		return err
	}
	p.API.LogInfo("WhatsApp Helpdesk migrated existing data", "migration", name, "records", n)
	return nil
}

// backfill runs the migrations that only add data (per-person indexes), in the background so a
// large installation activates at once; until it is done, export and erase of old people may
// miss conversations, which a rerun of the erase then finds.
func (p *Plugin) backfill() {
	defer p.recoverHook("backfill", nil)
	if err := p.runOnce(helpdesk.PersonIndexesMigration, func() (int, error) {
		return helpdesk.BackfillPersonIndexes(p.kv, p.privacy.People, p.privacy.Conversations)
	}); err != nil {
		p.API.LogError("WhatsApp Helpdesk could not index existing conversations by person", "error", err.Error())
	}
	if err := p.runOnce(helpdesk.PeopleSearchMigration, func() (int, error) {
		return helpdesk.BackfillPeopleSearch(p.kv, p.privacy.People)
	}); err != nil {
		p.API.LogError("WhatsApp Helpdesk could not index existing people for search", "error", err.Error())
	}
	if err := p.runOnce(helpdesk.TicketSearchMigration, func() (int, error) {
		return helpdesk.BackfillTicketSearch(p.privacy.Tickets, p.privacy.Conversations)
	}); err != nil {
		p.API.LogError("WhatsApp Helpdesk could not index existing tickets for search", "error", err.Error())
	}
	// After the search backfill, which gives old tickets their chat group. Until this is done,
	// ticket lists without words read every ticket of their status, as earlier versions did.
	if err := p.runOnce(helpdesk.TicketListsMigration, func() (int, error) {
		return helpdesk.BackfillTicketLists(p.privacy.Tickets)
	}); err != nil {
		p.API.LogError("WhatsApp Helpdesk could not list existing tickets by chat group", "error", err.Error())
	}
	// Agents' loads (helpdesk.Load) start from the active conversations of earlier versions.
	if err := p.runOnce(agentLoadsMigration, p.desk.ReconcileLoads); err != nil {
		p.API.LogError("WhatsApp Helpdesk could not count agents' active conversations", "error", err.Error())
	}
	// The indicators start from the conversations closed before they existed.
	if err := p.runOnce(indicatorsMigration, p.desk.BackfillIndicators); err != nil {
		p.API.LogError("WhatsApp Helpdesk could not add earlier conversations to the indicators", "error", err.Error())
	}
}

const agentLoadsMigration = "agent-loads-v1"

const indicatorsMigration = "indicators-v1"
