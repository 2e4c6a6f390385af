// Command server is the WhatsApp Helpdesk plugin process; this package only wires the services
// of the packages below it and delegates Mattermost's hooks to them.
package main

import (
	"os"
	"runtime/debug"

	"github.com/mattermost/mattermost/server/public/plugin"
)

// memoryLimit is the plugin process's soft memory limit. Media downloads hold up to
// mediaBudgetBytes, copied once more while UploadFile encodes them; without a limit the
// collector lets the heap grow to twice that before reclaiming finished transfers' buffers.
// An admin's GOMEMLIMIT wins.
const memoryLimit = 300 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	plugin.ClientMain(&Plugin{})
}
