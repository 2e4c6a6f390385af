package command

import (
	"fmt"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

func (c *call) hsm(rest []string) *model.CommandResponse {
	conv, resp := c.here()
	if resp != nil {
		return resp
	}
	if len(rest) == 0 {
		return c.openHSMDialog(conv, nil)
	}
	t, err := c.h.Desk.FindTemplate(c.ctx, rest[0], "")
	if err != nil {
		return c.fail(err)
	}
	values := rest[1:]
	if len(values) == 0 && t.ParamCount() > 0 {
		return c.openHSMDialog(conv, &t)
	}
	if err := c.h.Desk.SendHSMList(c.ctx, c.args.UserId, conv.ID, t.Name, values); err != nil {
		return c.fail(err)
	}
	return &model.CommandResponse{}
}

// HSMDialog builds the interactive dialog: with a template, one field per placeholder; without,
// a list of approved templates and their parameters one per line.
func HSMDialog(t func(id string, data map[string]any) string, templates []whatsapp.Template, chosen *whatsapp.Template, state string) model.Dialog {
	d := model.Dialog{
		CallbackId:       "hsm",
		Title:            t("hsm.dialog.title", nil),
		SubmitLabel:      t("hsm.dialog.submit", nil),
		NotifyOnCancel:   false,
		State:            state,
		IntroductionText: t("hsm.dialog.intro", nil),
	}
	if chosen == nil {
		options := make([]*model.PostActionOptions, 0, len(templates))
		for _, tpl := range templates {
			options = append(options, &model.PostActionOptions{Text: fmt.Sprintf("%s (%s, %d)", tpl.Name, tpl.Language, tpl.ParamCount()), Value: tpl.Name + "|" + tpl.Language})
		}
		d.Elements = []model.DialogElement{
			{DisplayName: t("hsm.dialog.template", nil), Name: "template", Type: "select", Options: options},
			{DisplayName: t("hsm.dialog.params", nil), Name: "params", Type: "textarea", Optional: true, HelpText: t("hsm.dialog.params_help", nil)},
		}
		return d
	}
	d.IntroductionText = "`" + chosen.Name + "`: " + chosen.Render(whatsapp.TemplateParams{})
	for i, label := range ParamLabels(*chosen) {
		d.Elements = append(d.Elements, model.DialogElement{DisplayName: label, Name: fmt.Sprintf("p%d", i), Type: "text", MaxLength: 1024})
	}
	return d
}

// ParamLabels names each value a template needs, in the order ParamsFromList takes them.
func ParamLabels(t whatsapp.Template) []string {
	var labels []string
	switch f := strings.ToUpper(t.HeaderFormat()); f {
	case "IMAGE", "VIDEO", "DOCUMENT":
		labels = append(labels, "Header "+strings.ToLower(f)+" (media id or https link)")
	default:
		for _, n := range t.HeaderParamNames() {
			labels = append(labels, "Header {{"+n+"}}")
		}
	}
	for _, n := range t.BodyParamNames() {
		labels = append(labels, "Body {{"+n+"}}")
	}
	for _, b := range t.ButtonParams() {
		labels = append(labels, fmt.Sprintf("Button %d (%s)", b.Index+1, b.SubType))
	}
	return labels
}

func (c *call) openHSMDialog(conv *helpdesk.Conversation, chosen *whatsapp.Template) *model.CommandResponse {
	if _, err := c.h.Desk.Handled(c.args.UserId, conv.ID); err != nil {
		return c.fail(err) // refused before the dialog opens, not after it is filled in
	}
	templates, err := c.h.Desk.ApprovedTemplates(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	if len(templates) == 0 {
		return c.reply(c.t("cmd.templates.empty", nil))
	}
	dialog := HSMDialog(c.t, templates, chosen, c.h.Desk.HSMDialogState(c.args.UserId, conv.ID, templateKey(chosen)))
	return c.openDialog(DialogHSMPath, dialog, "HSM")
}

// templateKey names a chosen template in a dialog's state ("" when none is chosen yet).
func templateKey(chosen *whatsapp.Template) string {
	if chosen == nil {
		return ""
	}
	return chosen.Name + "|" + chosen.Language
}

// openDialog opens a template dialog for the command's trigger; what names it in the error.
func (c *call) openDialog(url string, dialog model.Dialog, what string) *model.CommandResponse {
	req := model.OpenDialogRequest{TriggerId: c.args.TriggerId, URL: url, Dialog: dialog}
	if appErr := c.h.API.OpenInteractiveDialog(req); appErr != nil {
		return c.fail(errors.Wrapf(appErr, "failed to open the %s dialog", what))
	}
	return &model.CommandResponse{}
}
