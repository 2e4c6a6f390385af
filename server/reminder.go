package main

import (
	"context"
	"time"
)

// reminderInterval is how often the window-reminder job looks: a reminder is at most this late.
const reminderInterval = time.Minute

func (p *Plugin) remindWindows() {
	defer p.recoverHook("remindWindows", nil)
	if p.configProblem() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), reminderInterval)
	defer cancel()
	p.desk.RemindWindows(ctx)
}
