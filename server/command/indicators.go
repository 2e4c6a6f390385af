package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/format"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/reports"
)

// indicatorsAutocomplete adds pause, resume and report to the command's autocomplete.
func indicatorsAutocomplete(ac *model.AutocompleteData) {
	ac.AddCommand(model.NewAutocompleteData("pause", "", "Stop receiving conversations by automatic distribution"))
	ac.AddCommand(model.NewAutocompleteData("resume", "", "Receive conversations by automatic distribution again"))
	ac.AddCommand(model.NewAutocompleteData("report", "[days]", "Indicators of your chat groups over the last days (default 7)"))
}

func (c *call) pause(paused bool) *model.CommandResponse {
	if err := c.h.Desk.SetPaused(c.args.UserId, paused); err != nil {
		return c.fail(err)
	}
	if paused {
		return c.reply(c.t("cmd.pause.done", nil))
	}
	return c.reply(c.t("cmd.resume.done", nil))
}

func (c *call) report(rest []string) *model.CommandResponse {
	days := 7
	if len(rest) > 0 {
		n, err := strconv.Atoi(rest[0])
		if err != nil || n < 1 || n > reports.MaxDays {
			return c.reply(c.t("cmd.report.usage", map[string]any{"Max": reports.MaxDays}))
		}
		days = n
	}
	s, err := c.h.Desk.ReportDays(c.args.UserId, days)
	if err != nil {
		return c.fail(err)
	}
	return c.reply(c.renderReport(s))
}

// renderReport prints a summary as a short markdown text with two small tables.
func (c *call) renderReport(s reports.Summary) string {
	var b strings.Builder
	b.WriteString(c.t("cmd.report.header", map[string]any{"From": s.From, "To": s.To, "TimeZone": s.TimeZone}) + "\n\n")
	csat := "—"
	if s.CSATCount > 0 {
		csat = fmt.Sprintf("%.2f (%d)", s.CSATAvg, s.CSATCount)
	}
	fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n|---|---|---|---|---|---|\n",
		c.t("report.conversations", nil), c.t("report.attended", nil), c.t("report.avg_wait", nil),
		c.t("report.avg_first_response", nil), c.t("report.avg_handle", nil), c.t("report.csat", nil))
	fmt.Fprintf(&b, "| %d | %d | %s | %s | %s | %s |\n", s.Conversations, s.Attended,
		duration(s.AvgWaitSeconds), duration(s.AvgFirstResponseSeconds), duration(s.AvgHandleSeconds), csat)
	if len(s.ByAgent) == 0 {
		b.WriteString("\n" + c.t("cmd.report.no_agents", nil))
		return b.String()
	}
	fmt.Fprintf(&b, "\n| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n", c.t("report.agent", nil),
		c.t("report.conversations", nil), c.t("report.avg_first_response", nil), c.t("report.avg_handle", nil), c.t("report.csat", nil))
	for _, a := range s.ByAgent {
		csat := "—"
		if a.CSATCount > 0 {
			csat = fmt.Sprintf("%.2f", a.CSATAvg)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", format.Inert(a.Name), a.Conversations,
			duration(a.AvgFirstResponseSeconds), duration(a.AvgHandleSeconds), csat)
	}
	return b.String()
}

// duration prints whole seconds as 1h02m03s, 4m05s or 6s.
func duration(seconds float64) string {
	s := int64(seconds)
	h, m := s/3600, s%3600/60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s%60)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s%60)
	}
	return fmt.Sprintf("%ds", s)
}
