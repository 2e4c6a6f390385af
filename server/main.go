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

// gcPercent lets the heap grow to five times what is live before a collection. The live heap is
// a few tens of MB and memoryLimit caps it anyway; at Go's default of 100 the collector took a
// tenth of the 8-sender ingest's throughput (BenchmarkInboundTextConcurrent). An admin's GOGC wins.
const gcPercent = 400

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	plugin.ClientMain(&Plugin{})
}
