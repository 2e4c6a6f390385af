package main

import (
	"time"

	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/hours"
)

// parseHours reads a chat group's business hours; the error names the group and the bad line.
func parseHours(g *helpdesk.Group) error {
	schedule, err := hours.Parse(g.TimeZone, g.BusinessHours, g.Holidays)
	if err != nil {
		if g.Name == helpdesk.DefaultGroupName {
			return err // the top-level settings: the message names the line or value already
		}
		return errors.Wrapf(err, "chat group %q", g.Name)
	}
	g.Hours = schedule
	return nil
}

// maxSurveyQuestion is WhatsApp's limit for an interactive message body.
const maxSurveyQuestion = 1024

// serviceProblems checks the service-level settings that are not per group.
func (c *configuration) serviceProblems() []string {
	if len([]rune(c.SurveyQuestion)) > maxSurveyQuestion {
		return []string{"the satisfaction survey question must be at most 1024 characters"}
	}
	return nil
}

// groupLocation is the time zone a chat group's indicator days are counted in: its business
// hours' zone when it has business hours, else nil (UTC), so reports without hours stay in UTC.
func (p *Plugin) groupLocation(name string) *time.Location {
	groups, _ := p.getConfiguration().groups()
	for _, g := range groups {
		if g.Name == name && g.Hours != nil {
			return g.Hours.Location()
		}
	}
	return nil
}
