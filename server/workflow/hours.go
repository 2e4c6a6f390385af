package workflow

// GroupHours is whether one chat group is inside its business hours now.
type GroupHours struct {
	Group    string `json:"group"`
	Open     bool   `json:"open"`
	TimeZone string `json:"time_zone,omitempty"`
}

// groupOpen reports whether the chat group is inside its business hours now; an unknown group
// counts as open, so nothing waits on a setting that is not there.
func (d *Desk) groupOpen(name string) bool {
	g, ok := d.Settings().Group(name)
	return !ok || g.OpenAt(d.Now())
}

// Hours answers, for each chat group userID is an agent of, whether it is inside business hours.
func (d *Desk) Hours(userID string) []GroupHours {
	out := []GroupHours{}
	for _, name := range d.AgentGroups(userID) {
		g, _ := d.Settings().Group(name)
		out = append(out, GroupHours{Group: name, Open: g.OpenAt(d.Now()), TimeZone: g.Hours.Location().String()})
	}
	return out
}
