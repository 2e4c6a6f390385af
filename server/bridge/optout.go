package bridge

import (
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// noteOptOut marks the customer opted out when their whole message is an opt-out word, and back
// in when they write anything else; either change is told in the conversation's channel.
func (in *Inbound) noteOptOut(conv *helpdesk.Conversation, person *helpdesk.Person, msg *whatsapp.Message) {
	if in.OptOutWords == nil || msg.Type == "reaction" || msg.Type == "edit" || msg.Type == "revoke" {
		return
	}
	words := in.OptOutWords()
	out := msg.Type == "text" && msg.Text != nil && words.Match(msg.Text.Body)
	if out == person.OptedOut {
		return
	}
	_, changed, err := in.People.SetOptedOut(person.ID, out)
	if err != nil {
		in.API.LogWarn("Could not record the customer's opt-out", "person_id", person.ID, "error", err.Error())
		return
	}
	if !changed {
		return
	}
	if in.PersonChanged != nil {
		in.PersonChanged(person.ID) // other nodes' caches hold the old opt-out too
	} else {
		in.customers().forgetPerson(person.ID)
	}
	id := "optout.marked"
	if !out {
		id = "optout.cleared"
	}
	post := &model.Post{UserId: in.BotUserID, ChannelId: conv.ChannelID, Message: "🚫 " + in.Texts.T(in.Texts.ForServer(), id, nil)}
	if !out {
		post.Message = "✅ " + in.Texts.T(in.Texts.ForServer(), id, nil)
	}
	post.AddProp(wapost.PropOrigin, wapost.OriginWhatsApp)
	post.AddProp(wapost.PropKind, wapost.KindOptOut)
	post.AddProp(wapost.PropConversation, conv.ID)
	if _, appErr := in.API.CreatePost(post); appErr != nil {
		in.API.LogWarn("Could not post the opt-out notice", "conversation_id", conv.ID, "error", appErr.Error())
	}
	in.changed(conv)
}
