// Package reports keeps the helpdesk's indicators (waiting, first-response and handling times,
// satisfaction, conversations by hour) as per-day sums, one KV key per chat group and day, so a
// report over a period reads one key per day instead of every conversation.
package reports

// Totals are the sums and counts the averages come from. Times are in milliseconds.
type Totals struct {
	// Conversations closed that were created on the day (attended or not).
	Conversations int `json:"n"`
	// Attended of them, with the sums of their waits (created → attended) and handling times
	// (attended → closed).
	Attended  int   `json:"a"`
	WaitMS    int64 `json:"w"`
	HandleMS  int64 `json:"h"`
	FirstN    int   `json:"fn"`
	FirstMS   int64 `json:"f"`
	CSATSum   int   `json:"cs"`
	CSATCount int   `json:"cn"`
}

// Day is one chat group's indicators for one day in its time zone.
type Day struct {
	Totals
	Agents map[string]*Totals `json:"ag,omitempty"`
	// Hours counts the day's conversations by the hour they started.
	Hours [24]int `json:"hr"`
}

func (t *Totals) add(o Totals) {
	t.Conversations += o.Conversations
	t.Attended += o.Attended
	t.WaitMS += o.WaitMS
	t.HandleMS += o.HandleMS
	t.FirstN += o.FirstN
	t.FirstMS += o.FirstMS
	t.CSATSum += o.CSATSum
	t.CSATCount += o.CSATCount
}

func (d *Day) agent(id string) *Totals {
	if d.Agents == nil {
		d.Agents = map[string]*Totals{}
	}
	t := d.Agents[id]
	if t == nil {
		t = &Totals{}
		d.Agents[id] = t
	}
	return t
}
