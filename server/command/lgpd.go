package command

import (
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// lgpdAutocomplete describes /whatsapp lgpd for the autocomplete tree.
func lgpdAutocomplete() *model.AutocompleteData {
	lgpd := model.NewAutocompleteData("lgpd", "export|erase <phone>", "Export or erase a customer's data (LGPD, system admins)")
	lgpd.AddCommand(model.NewAutocompleteData("export", "<phone>", "DM yourself everything stored about a customer, as a JSON file"))
	lgpd.AddCommand(model.NewAutocompleteData("erase", "<phone> [confirm]", "Erase a customer and everything about them"))
	return lgpd
}

// lgpd runs `/whatsapp lgpd export <phone>` and `/whatsapp lgpd erase <phone> [confirm]`. The
// privacy service refuses everyone but system admins.
func (c *call) lgpd(rest []string) *model.CommandResponse {
	if len(rest) < 2 {
		return c.reply(c.t("cmd.lgpd.usage", nil))
	}
	action, args := strings.ToLower(rest[0]), rest[1:]
	confirmed := false
	if action == "erase" && strings.EqualFold(args[len(args)-1], "confirm") {
		confirmed, args = true, args[:len(args)-1]
	}
	phone := strings.Join(args, " ")
	if action != "export" && action != "erase" || phone == "" {
		return c.reply(c.t("cmd.lgpd.usage", nil))
	}
	svc := c.h.Privacy
	if svc == nil {
		return c.reply(c.t("cmd.lgpd.usage", nil))
	}
	person, err := svc.ByPhone(c.args.UserId, phone)
	if err != nil {
		return c.fail(err)
	}
	formatted := helpdesk.FormatPhone(person.Phone)
	switch {
	case action == "export":
		if _, err := svc.SendExport(c.args.UserId, person.ID); err != nil {
			return c.fail(err)
		}
		return c.reply(c.t("cmd.lgpd.exported", map[string]any{"Customer": format.Inert(person.Name), "Phone": formatted}))
	case !confirmed:
		return c.reply(c.t("cmd.lgpd.confirm", map[string]any{"Customer": format.Inert(person.Name), "Phone": formatted,
			"Command": "/whatsapp lgpd erase " + person.Phone + " confirm"}))
	}
	counts, err := svc.Erase(c.args.UserId, person.ID)
	if err != nil {
		return c.fail(err)
	}
	return c.reply(c.t("cmd.lgpd.erased", map[string]any{"Conversations": counts.Conversations, "Tickets": counts.Tickets,
		"Posts": counts.Posts, "Records": counts.Records}))
}
