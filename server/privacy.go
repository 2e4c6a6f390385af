package main

import (
	"context"
	"time"
)

// retentionInterval is how often the retention job looks; a hidden setting shortens it for tests.
const retentionInterval = time.Hour

func (p *Plugin) retentionInterval() time.Duration {
	if ms := p.getConfiguration().RetentionIntervalMillis; ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return retentionInterval
}

// enforceRetention erases closed conversations past the retention setting and finishes
// erasures a stopped node left midway (once per cluster, as a scheduled job).
func (p *Plugin) enforceRetention() {
	defer p.recoverHook("retention", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := p.privacy.EnforceRetention(ctx, p.getConfiguration().RetentionDays); err != nil {
		p.API.LogError("WhatsApp Helpdesk retention round failed", "error", err.Error())
	}
}
