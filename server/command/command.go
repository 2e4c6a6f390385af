// Package command implements the /whatsapp slash command on top of the workflow.
package command

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/bridge"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/failure"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/privacy"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// Trigger is the slash command.
const Trigger = "whatsapp"

// DialogHSMPath receives the HSM dialog's submission.
const DialogHSMPath = "/plugins/whatsapp-helpdesk/dialogs/hsm"

// API is the part of the Mattermost plugin API the command calls.
type API interface {
	GetUserByUsername(name string) (*model.User, *model.AppError)
	OpenInteractiveDialog(dialog model.OpenDialogRequest) *model.AppError
}

// Handler runs /whatsapp subcommands for one user at a time.
type Handler struct {
	API   API
	Desk  *workflow.Desk
	Texts *l10n.Translator
	// Stats renders the admin counters (server/metrics).
	Stats interface{ Text() string }
	// Privacy exports and erases customers' data (LGPD).
	Privacy *privacy.Service
}

// Definition registers the command with its autocomplete tree.
func Definition() *model.Command {
	ac := model.NewAutocompleteData(Trigger, "[command]", "WhatsApp Helpdesk: attend and answer WhatsApp conversations")
	add := func(name, hint, help string) *model.AutocompleteData {
		sub := model.NewAutocompleteData(name, hint, help)
		ac.AddCommand(sub)
		return sub
	}
	add("queue", "", "List conversations waiting for attendance")
	add("attend", "[conversation id or phone]", "Attend the longest-waiting conversation, or the one named")
	add("macros", "", "List the macros")
	macro := add("macro", "<name> | add <name> <text> | remove <name>", "Send a macro to the customer (admins: add or remove macros)")
	macro.AddCommand(model.NewAutocompleteData("add", "<name> <text>", "Add or replace a macro (system admins)"))
	macro.AddCommand(model.NewAutocompleteData("remove", "<name>", "Remove a macro (system admins)"))
	add("hsm", "[template] [params...]", "Send an approved HSM template (opens a dialog without arguments)")
	add("templates", "", "Refresh the approved HSM templates from WhatsApp")
	invite := add("invite", "@user", "Invite an online agent to this conversation")
	invite.AddTextArgument("An online agent", "@username", "")
	add("transfer", "", "Transfer is not available for WhatsApp chats")
	add("status", "<status>", "Set this conversation's status")
	add("close", "", "End the chat: sends the end-of-service message and creates a draft ticket")
	add("ticket", "", "Show this conversation's ticket")
	credits := add("credits", "[add N]", "Show the credit balance (admins: add credits)")
	credits.AddCommand(model.NewAutocompleteData("add", "<N>", "Grant N more credits (system admins)"))
	add("stats", "", "Message counters (system admins)")
	ac.AddCommand(lgpdAutocomplete())
	add("tag", "<tag...>", "Tag this conversation (its ticket keeps the tags)")
	add("untag", "<tag...>", "Remove tags from this conversation")
	start := add("start", "<phone> <template> [params...]", "Start a conversation with an approved template (opens a dialog without arguments)")
	start.AddTextArgument("Phone number with country code", "<phone> <template> [params...]", "")
	indicatorsAutocomplete(ac)
	add("help", "", "Show help")
	return &model.Command{
		Trigger:          Trigger,
		DisplayName:      "WhatsApp Helpdesk",
		Description:      "Attend and answer WhatsApp conversations",
		AutoComplete:     true,
		AutoCompleteDesc: "Available: queue, attend, macros, macro, hsm, templates, invite, transfer, status, close, ticket, credits, stats, lgpd, pause, resume, report, start, tag, untag, help",
		AutoCompleteHint: "[command]",
		AutocompleteData: ac,
	}
}

type call struct {
	h    *Handler
	args *model.CommandArgs
	l    *l10n.Localizer
	ctx  context.Context
}

func (c *call) t(id string, data map[string]any) string { return c.h.Texts.T(c.l, id, data) }

// Execute runs one /whatsapp command and answers ephemerally.
func (h *Handler) Execute(args *model.CommandArgs) *model.CommandResponse {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := &call{h: h, args: args, l: h.Texts.ForUser(args.UserId), ctx: ctx}
	fields := strings.Fields(args.Command)
	if len(fields) > 0 {
		fields = fields[1:] // "/whatsapp"
	}
	sub, rest := "help", []string{}
	if len(fields) > 0 {
		sub, rest = strings.ToLower(fields[0]), fields[1:]
	}
	if sub != "help" && sub != "transfer" && !h.Desk.IsAnyAgent(args.UserId) {
		return c.reply(c.t("cmd.not_agent", nil))
	}
	switch sub {
	case "help":
		return c.reply(c.t("cmd.help", nil) + "\n" + c.t("cmd.help.indicators", nil) + "\n" + c.t("cmd.help.start", nil) + "\n" + c.t("cmd.help.tags", nil))
	case "queue":
		return c.queue()
	case "attend":
		return c.attend(rest)
	case "macros":
		return c.macros()
	case "macro":
		return c.macro(rest)
	case "hsm":
		return c.hsm(rest)
	case "templates":
		return c.templates()
	case "invite":
		return c.invite(rest)
	case "transfer":
		return c.reply(c.t("cmd.transfer", nil))
	case "status":
		return c.status(rest)
	case "close":
		return c.close()
	case "ticket":
		return c.ticket()
	case "credits":
		return c.credits(rest)
	case "lgpd":
		return c.lgpd(rest)
	case "tag", "untag":
		return c.tag(sub == "tag", rest)
	case "start":
		return c.start(rest)
	case "pause":
		return c.pause(true)
	case "resume":
		return c.pause(false)
	case "report":
		return c.report(rest)
	case "stats":
		if !h.Desk.IsAdmin(args.UserId) {
			return c.reply(c.t("cmd.admin_only", nil))
		}
		return c.reply(h.Stats.Text())
	}
	return c.reply(c.t("cmd.unknown", map[string]any{"Command": sub}))
}

func (c *call) reply(text string) *model.CommandResponse {
	return &model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: text}
}

func (c *call) fail(err error) *model.CommandResponse {
	return c.reply(failure.Describe(c.h.Texts, c.l, err))
}

// here returns the conversation of the channel the command was typed in.
func (c *call) here() (*helpdesk.Conversation, *model.CommandResponse) {
	conv, err := c.h.Desk.InChannel(c.args.UserId, c.args.ChannelId)
	if errors.Is(err, helpdesk.ErrNotFound) {
		return nil, c.reply(c.t("cmd.not_conversation", nil))
	}
	if err != nil {
		return nil, c.fail(err)
	}
	return conv, nil
}

func (c *call) withNotices(text string, notices []error) *model.CommandResponse {
	for _, n := range notices {
		text += "\n⚠️ " + failure.Describe(c.h.Texts, c.l, n)
	}
	return c.reply(text)
}

func (c *call) queue() *model.CommandResponse {
	waiting, err := c.h.Desk.List(c.args.UserId, helpdesk.StateWaiting)
	if err != nil {
		return c.fail(err)
	}
	if len(waiting) == 0 {
		return c.reply(c.t("cmd.queue.empty", nil))
	}
	var b strings.Builder
	b.WriteString(c.t("cmd.queue.header", nil) + "\n\n")
	b.WriteString("| " + c.t("queue.origin", nil) + " | " + c.t("queue.customer", nil) + " | " + c.t("queue.phone", nil) + " | " + c.t("cmd.queue.waiting", nil) + " | ID |\n|---|---|---|---|---|\n")
	for _, conv := range waiting {
		phone := ""
		if p, err := c.h.Desk.Customer(c.args.UserId, conv); err == nil {
			phone = helpdesk.FormatPhone(p.Phone)
		}
		waited := time.Since(time.UnixMilli(conv.CreatedAt)).Round(time.Second)
		fmt.Fprintf(&b, "| WhatsApp | %s | %s | %s | `%s` |\n", format.Inert(conv.CustomerName), phone, waited, conv.ID)
	}
	return c.reply(b.String())
}

func (c *call) attend(rest []string) *model.CommandResponse {
	var conv *helpdesk.Conversation
	var notices []error
	var err error
	if len(rest) == 0 {
		conv, notices, err = c.h.Desk.AttendNext(c.ctx, c.args.UserId)
	} else {
		target, findErr := c.h.Desk.Find(c.args.UserId, strings.Join(rest, " "))
		if findErr != nil {
			return c.fail(findErr)
		}
		conv, notices, err = c.h.Desk.Attend(c.ctx, c.args.UserId, target.ID)
	}
	if err != nil {
		return c.fail(err)
	}
	return c.withNotices(c.t("cmd.attend.done", map[string]any{"Customer": format.Inert(conv.CustomerName), "Channel": "~" + bridge.ChannelName(conv.ID)}), notices)
}

func (c *call) macros() *model.CommandResponse {
	list, err := c.h.Desk.Macros()
	if err != nil {
		return c.fail(err)
	}
	if len(list) == 0 {
		return c.reply(c.t("cmd.macros.empty", nil))
	}
	var b strings.Builder
	b.WriteString(c.t("cmd.macros.header", nil) + "\n")
	for _, m := range list {
		fmt.Fprintf(&b, "- `%s`: %s\n", m.Name, firstLine(m.Text))
	}
	return c.reply(b.String())
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if r := []rune(line); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return line
}

func (c *call) macro(rest []string) *model.CommandResponse {
	if len(rest) == 0 {
		return c.reply(c.t("cmd.macro.usage", nil))
	}
	switch strings.ToLower(rest[0]) {
	case "add", "remove":
		// The workflow refuses non-admins too; asking first keeps usage help for admins only.
		if !c.h.Desk.IsAdmin(c.args.UserId) {
			return c.reply(c.t("cmd.admin_only", nil))
		}
		if strings.ToLower(rest[0]) == "remove" {
			if len(rest) != 2 {
				return c.reply(c.t("cmd.macro.usage", nil))
			}
			if err := c.h.Desk.RemoveMacro(c.args.UserId, rest[1]); err != nil {
				return c.fail(err)
			}
			return c.reply(c.t("cmd.macro.removed", map[string]any{"Name": rest[1]}))
		}
		if len(rest) < 3 {
			return c.reply(c.t("cmd.macro.usage", nil))
		}
		// Keep the text as typed, line breaks included.
		text := afterFields(c.args.Command, 4) // "/whatsapp macro add <name>"
		m, err := c.h.Desk.PutMacro(c.args.UserId, rest[1], text)
		if err != nil {
			return c.fail(err)
		}
		return c.reply(c.t("cmd.macro.added", map[string]any{"Name": m.Name}))
	}
	conv, resp := c.here()
	if resp != nil {
		return resp
	}
	if err := c.h.Desk.SendMacro(c.ctx, c.args.UserId, conv.ID, rest[0]); err != nil {
		return c.fail(err)
	}
	return &model.CommandResponse{}
}

func (c *call) templates() *model.CommandResponse {
	list, err := c.h.Desk.SyncTemplates(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	if len(list) == 0 {
		return c.reply(c.t("cmd.templates.empty", nil))
	}
	var b strings.Builder
	b.WriteString(c.t("cmd.templates.header", map[string]any{"Count": len(list)}) + "\n")
	for _, t := range list {
		fmt.Fprintf(&b, "- `%s` (%s, %s): %d %s\n", t.Name, t.Language, strings.ToLower(t.Category), t.ParamCount(), c.t("cmd.templates.params", nil))
	}
	return c.reply(b.String())
}

func (c *call) invite(rest []string) *model.CommandResponse {
	conv, resp := c.here()
	if resp != nil {
		return resp
	}
	if len(rest) != 1 {
		return c.reply(c.t("cmd.invite.usage", nil))
	}
	user, appErr := c.h.API.GetUserByUsername(strings.TrimPrefix(rest[0], "@"))
	if appErr != nil {
		return c.reply(c.t("cmd.invite.unknown", map[string]any{"User": rest[0]}))
	}
	if err := c.h.Desk.Invite(c.args.UserId, conv.ID, user.Id); err != nil {
		return c.fail(err)
	}
	return c.reply(c.t("cmd.invite.sent", map[string]any{"User": "@" + user.Username}))
}

func (c *call) status(rest []string) *model.CommandResponse {
	conv, resp := c.here()
	if resp != nil {
		return resp
	}
	if len(rest) == 0 {
		return c.reply(c.t("cmd.status.usage", nil))
	}
	conv, err := c.h.Desk.SetStatus(c.args.UserId, conv.ID, strings.Join(rest, " "))
	if err != nil {
		return c.fail(err)
	}
	return c.reply(c.t("cmd.status.done", map[string]any{"Status": conv.Status}))
}

func (c *call) close() *model.CommandResponse {
	conv, resp := c.here()
	if resp != nil {
		return resp
	}
	ticket, notices, err := c.h.Desk.Close(c.ctx, c.args.UserId, conv.ID)
	if err != nil {
		return c.fail(err)
	}
	return c.withNotices(c.t("cmd.close.done", map[string]any{"Ticket": ticket.ID}), notices)
}

func (c *call) ticket() *model.CommandResponse {
	t, p, err := c.h.Desk.TicketInChannel(c.args.ChannelId)
	if err != nil {
		return c.fail(err)
	}
	customer := t.CustomerID
	if p != nil {
		customer = format.Inert(p.Name)
	}
	return c.reply(c.t("cmd.ticket.show", map[string]any{"ID": t.ID, "Status": c.t("ticket.status."+t.Status, nil), "Subject": t.Subject, "Customer": customer, "Lines": len(t.Transcript)}))
}

func (c *call) credits(rest []string) *model.CommandResponse {
	if len(rest) > 0 {
		if strings.ToLower(rest[0]) != "add" || len(rest) != 2 {
			return c.reply(c.t("cmd.credits.usage", nil))
		}
		if !c.h.Desk.IsAdmin(c.args.UserId) {
			return c.reply(c.t("cmd.admin_only", nil))
		}
		n, err := strconv.Atoi(rest[1])
		if err != nil || n <= 0 {
			return c.reply(c.t("cmd.credits.usage", nil))
		}
		if _, err := c.h.Desk.AddCredits(c.args.UserId, n); err != nil {
			return c.fail(err)
		}
	}
	b, err := c.h.Desk.Credits()
	if err != nil {
		return c.fail(err)
	}
	text := c.t("cmd.credits.show", map[string]any{"Balance": b.Balance, "Granted": b.Granted, "Used": b.Used})
	if b.Low() {
		text += "\n⚠️ " + c.t("credits.low", map[string]any{"Balance": b.Balance})
	}
	return c.reply(text)
}

// afterFields returns s after its first n whitespace-separated fields, as typed (line breaks
// kept), so a macro's text never depends on where its name also occurs in the line.
func afterFields(s string, n int) string {
	for range n {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		end := strings.IndexFunc(s, unicode.IsSpace)
		if end < 0 {
			return ""
		}
		s = s[end:]
	}
	return strings.TrimLeftFunc(s, unicode.IsSpace)
}
