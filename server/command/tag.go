package command

import (
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// tag adds (or, with add false, removes) tags on the conversation of this channel.
func (c *call) tag(add bool, rest []string) *model.CommandResponse {
	conv, resp := c.here()
	if resp != nil {
		return resp
	}
	if len(rest) == 0 {
		return c.reply(c.t("cmd.tag.usage", nil))
	}
	var err error
	var updated *helpdesk.Conversation
	if add {
		updated, err = c.h.Desk.Tag(c.args.UserId, conv.ID, rest)
	} else {
		updated, err = c.h.Desk.Untag(c.args.UserId, conv.ID, rest)
	}
	if err != nil {
		return c.fail(err)
	}
	if len(updated.Tags) == 0 {
		return c.reply(c.t("cmd.tag.none", nil))
	}
	return c.reply(c.t("cmd.tag.done", map[string]any{"Tags": "`" + strings.Join(updated.Tags, "` `") + "`"}))
}
