// Command server is the WhatsApp Helpdesk plugin process; this package only wires the services
// of the packages below it and delegates Mattermost's hooks to them.
package main

import (
	"github.com/mattermost/mattermost/server/public/plugin"
)

func main() {
	plugin.ClientMain(&Plugin{})
}
