package command

import (
	"fmt"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// DialogStartPath receives /whatsapp start's dialog.
const DialogStartPath = "/plugins/whatsapp-helpdesk/dialogs/start"

// start runs `/whatsapp start <phone> <template> [params...]`; without a template (or without
// the parameters a template needs) a dialog asks for what is missing.
func (c *call) start(rest []string) *model.CommandResponse {
	phone, rest := splitPhone(rest)
	if len(rest) == 0 {
		return c.openStartDialog(phone, nil)
	}
	if phone == "" {
		return c.reply(c.t("cmd.start.usage", nil))
	}
	t, err := c.h.Desk.FindTemplate(c.ctx, rest[0], "")
	if err != nil {
		return c.fail(err)
	}
	values := rest[1:]
	if len(values) == 0 && t.ParamCount() > 0 {
		return c.openStartDialog(phone, &t)
	}
	conv, err := c.h.Desk.Start(c.ctx, c.args.UserId, workflow.StartRequest{
		Phone: phone, Template: t.Name, Language: t.Language, Params: values, ChannelID: c.args.ChannelId,
	})
	if err != nil {
		return c.fail(err)
	}
	return c.reply(StartedText(c.t, conv, t.Name))
}

// StartedText tells the agent where the conversation they started is.
func StartedText(t func(id string, data map[string]any) string, conv *helpdesk.Conversation, template string) string {
	return t("cmd.start.done", map[string]any{"Customer": conv.CustomerName, "Channel": bridge.ChannelName(conv.ID), "Template": template})
}

// splitPhone takes the leading words that form a phone number ("+55 11 98765-4321" arrives as
// three words) and returns the number and what follows it.
func splitPhone(words []string) (string, []string) {
	n := 0
	for n < len(words) && strings.Trim(words[n], "+0123456789().-") == "" {
		n++
	}
	return strings.Join(words[:n], " "), words[n:]
}

// StartDialog builds the start dialog: the phone, then either the list of approved templates and
// their parameters one per line, or, for a chosen template, one field per placeholder and a
// preview with the cost.
func StartDialog(t func(id string, data map[string]any) string, templates []whatsapp.Template, chosen *whatsapp.Template, phone, state string) model.Dialog {
	d := model.Dialog{
		CallbackId:       "start",
		Title:            t("start.dialog.title", nil),
		SubmitLabel:      t("start.dialog.submit", nil),
		State:            state,
		IntroductionText: t("start.dialog.intro", nil),
		Elements: []model.DialogElement{{
			DisplayName: t("start.dialog.phone", nil), Name: "phone", Type: "text", SubType: "tel",
			Default: phone, HelpText: t("start.dialog.phone_help", nil), MaxLength: 32,
		}},
	}
	if chosen == nil {
		hsm := HSMDialog(t, templates, nil, "")
		d.Elements = append(d.Elements, hsm.Elements...)
		return d
	}
	d.IntroductionText = t("start.dialog.preview", map[string]any{"Template": chosen.Name, "Text": chosen.Render(whatsapp.TemplateParams{})})
	for i, label := range ParamLabels(*chosen) {
		d.Elements = append(d.Elements, model.DialogElement{DisplayName: label, Name: fmt.Sprintf("p%d", i), Type: "text", MaxLength: 1024})
	}
	return d
}

func (c *call) openStartDialog(phone string, chosen *whatsapp.Template) *model.CommandResponse {
	templates, err := c.h.Desk.ApprovedTemplates(c.ctx)
	if err == nil && len(templates) == 0 {
		templates, err = c.h.Desk.SyncTemplates(c.ctx) // maybe approved since the last sync
	}
	if err != nil {
		return c.fail(err)
	}
	if len(templates) == 0 {
		return c.reply(c.t("cmd.templates.empty", nil))
	}
	dialog := StartDialog(c.t, templates, chosen, phone, c.h.Desk.StartDialogState(c.args.UserId, c.args.ChannelId, templateKey(chosen)))
	return c.openDialog(DialogStartPath, dialog, "start")
}
