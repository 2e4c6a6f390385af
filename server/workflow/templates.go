package workflow

import (
	"context"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// TemplateSource lists the WhatsApp Business Account's templates (all pages).
type TemplateSource = whatsapp.TemplateLister

// TemplateSources gives the Graph client that lists templates, or why there is none
// (server/routing).
type TemplateSources interface {
	TemplateSource() (TemplateSource, error)
}

// Templates caches the HSM templates in the KV store so every node offers the same list.
type Templates struct {
	KV      store.KV
	Sources TemplateSources
	Now     func() time.Time
}

type templateCache struct {
	SyncedAt  int64               `json:"synced_at"`
	Templates []whatsapp.Template `json:"templates"`
}

// Sync refreshes the cache from the Graph API and returns the approved templates.
func (ts *Templates) Sync(ctx context.Context) ([]whatsapp.Template, error) {
	src, err := ts.Sources.TemplateSource()
	if err != nil {
		return nil, err
	}
	all, err := src.ListTemplates(ctx)
	if err != nil {
		return nil, errors.Wrap(err, "failed to list the templates")
	}
	if err := store.SetJSON(ts.KV, store.TemplatesKey(), templateCache{SyncedAt: ts.Now().UnixMilli(), Templates: all}); err != nil {
		return nil, err
	}
	return approved(all), nil
}

// Approved returns the cached approved templates, syncing once when nothing is cached yet.
func (ts *Templates) Approved(ctx context.Context) ([]whatsapp.Template, error) {
	var cache templateCache
	found, err := store.GetJSON(ts.KV, store.TemplatesKey(), &cache)
	if err != nil {
		return nil, err
	}
	if !found {
		return ts.Sync(ctx)
	}
	return approved(cache.Templates), nil
}

// Find returns an approved template by name (and optional language).
func (ts *Templates) Find(ctx context.Context, name, language string) (whatsapp.Template, error) {
	list, err := ts.Approved(ctx)
	if err != nil {
		return whatsapp.Template{}, err
	}
	t, ok := whatsapp.FindTemplate(list, name, language)
	if !ok {
		// Maybe approved since the last sync: look once more at the source.
		if list, err = ts.Sync(ctx); err != nil {
			return whatsapp.Template{}, err
		}
		t, ok = whatsapp.FindTemplate(list, name, language)
	}
	if !ok {
		return whatsapp.Template{}, helpdesk.Refuse(helpdesk.ErrNotFound, "error.no_template", "Name", name)
	}
	return t, nil
}

func approved(all []whatsapp.Template) []whatsapp.Template {
	out := make([]whatsapp.Template, 0, len(all))
	for _, t := range all {
		if t.Approved() {
			out = append(out, t)
		}
	}
	return out
}

// SendHSM sends an approved template with its parameters. Parameter counts are checked before
// anything is sent; templates are allowed outside the 24-hour window.
func (d *Desk) SendHSM(ctx context.Context, agentID, convID, name, language string, params whatsapp.TemplateParams) error {
	conv, err := d.Handled(agentID, convID)
	if err != nil {
		return err
	}
	t, err := d.templates.Find(ctx, name, language)
	if err != nil {
		return err
	}
	if _, err := whatsapp.BuildTemplateMessage(t, "0", params); err != nil {
		return err
	}
	preview := "📨 HSM `" + t.Name + "`\n" + t.Render(params)
	build := func(to string) (whatsapp.OutMessage, error) { return whatsapp.BuildTemplateMessage(t, to, params) }
	return d.Outbound.SendTemplate(ctx, conv, build, preview, bridge.Delivery{AgentID: agentID, Template: t.Name})
}

// SendHSMList is SendHSM with the values typed after the template name, spread over header,
// body and buttons.
func (d *Desk) SendHSMList(ctx context.Context, agentID, convID, name string, values []string) error {
	if _, err := d.Handled(agentID, convID); err != nil {
		return err
	}
	t, err := d.templates.Find(ctx, name, "")
	if err != nil {
		return err
	}
	params, err := t.ParamsFromList(values)
	if err != nil {
		return err
	}
	return d.SendHSM(ctx, agentID, convID, t.Name, t.Language, params)
}

// SendMacro sends a macro, its variables filled, as a free-form message.
func (d *Desk) SendMacro(ctx context.Context, agentID, convID, name string) error {
	conv, err := d.Handled(agentID, convID)
	if err != nil {
		return err
	}
	m, err := d.macros.Get(strings.TrimSpace(name))
	if err != nil {
		return err
	}
	text := d.vars(conv, agentID).Render(m.Text)
	return d.Outbound.SendNotice(ctx, conv, text, bridge.Delivery{Kind: wapost.KindMacro, AgentID: agentID})
}
