package mmfake

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// Default channels the server creates with every team and joins every new member to.
var defaultChannels = []struct{ name, display string }{
	{model.DefaultChannelName, "Town Square"},
	{"off-topic", "Off-Topic"},
}

func cloneTeam(t *model.Team) *model.Team {
	c := *t
	return &c
}

func (a *API) CreateTeam(team *model.Team) (*model.Team, *model.AppError) {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.createTeam(team)
}

// createTeam stores a team and its default channels. Caller holds mu.
func (s *Store) createTeam(team *model.Team) (*model.Team, *model.AppError) {
	if team == nil {
		return nil, appError("CreateTeam", "model.team.is_valid.name.app_error", http.StatusBadRequest, "nil team")
	}
	if team.Id != "" {
		return nil, appError("CreateTeam", "model.team.is_valid.id.app_error", http.StatusBadRequest, "team id must be empty")
	}
	t := cloneTeam(team)
	t.PreSave()
	t.CreateAt = s.nowMillis()
	t.UpdateAt = t.CreateAt
	if t.Type == "" {
		t.Type = model.TeamOpen
	}
	if err := t.IsValid(); err != nil {
		return nil, err
	}
	for _, other := range s.teams {
		if other.Name == t.Name {
			return nil, appError("CreateTeam", "store.sql_team.save_team.existing.app_error", http.StatusBadRequest, "name="+t.Name)
		}
	}
	s.teams[t.Id] = t
	for _, dc := range defaultChannels {
		if _, err := s.createChannel(&model.Channel{TeamId: t.Id, Name: dc.name, DisplayName: dc.display, Type: model.ChannelTypeOpen}); err != nil {
			return nil, err
		}
	}
	return cloneTeam(t), nil
}

func (a *API) GetTeam(teamID string) (*model.Team, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.teams[teamID]
	if !ok {
		return nil, appError("GetTeam", "app.team.get.find.app_error", http.StatusNotFound, "team_id="+teamID)
	}
	return cloneTeam(t), nil
}

func (a *API) GetTeamByName(name string) (*model.Team, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.teams {
		if t.Name == name {
			return cloneTeam(t), nil
		}
	}
	return nil, appError("GetTeamByName", "app.team.get_by_name.missing.app_error", http.StatusNotFound, "name="+name)
}

// sortedTeams lists teams by name. Caller holds mu.
func (s *Store) sortedTeams(keep func(*model.Team) bool) []*model.Team {
	out := []*model.Team{}
	for _, t := range s.teams {
		if keep(t) {
			out = append(out, cloneTeam(t))
		}
	}
	slices.SortFunc(out, func(a, b *model.Team) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (a *API) GetTeams() ([]*model.Team, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedTeams(func(t *model.Team) bool { return t.DeleteAt == 0 }), nil
}

func (a *API) SearchTeams(term string) ([]*model.Team, *model.AppError) {
	term = strings.ToLower(term)
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedTeams(func(t *model.Team) bool {
		return t.DeleteAt == 0 && (strings.Contains(t.Name, term) || strings.Contains(strings.ToLower(t.DisplayName), term))
	}), nil
}

func (a *API) GetTeamsForUser(userID string) ([]*model.Team, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedTeams(func(t *model.Team) bool { return s.isTeamMember(t.Id, userID) }), nil
}

func (a *API) UpdateTeam(team *model.Team) (*model.Team, *model.AppError) {
	if team == nil {
		return nil, appError("UpdateTeam", "model.team.is_valid.name.app_error", http.StatusBadRequest, "nil team")
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.teams[team.Id]
	if !ok {
		return nil, appError("UpdateTeam", "app.team.get.find.app_error", http.StatusNotFound, "team_id="+team.Id)
	}
	t := cloneTeam(team)
	t.CreateAt, t.Name, t.InviteId = old.CreateAt, old.Name, old.InviteId
	t.PreUpdate()
	t.UpdateAt = s.nowMillis()
	if err := t.IsValid(); err != nil {
		return nil, err
	}
	s.teams[t.Id] = t
	return cloneTeam(t), nil
}

// isTeamMember reports an active membership. Caller holds mu.
func (s *Store) isTeamMember(teamID, userID string) bool {
	m := s.teamMembers[teamID][userID]
	return m != nil && m.DeleteAt == 0
}

// addTeamMember joins a user to a team and its default channels, returning the existing
// membership if there is one. Caller holds mu.
func (s *Store) addTeamMember(teamID, userID string) (*model.TeamMember, *model.AppError) {
	if _, ok := s.teams[teamID]; !ok {
		return nil, appError("CreateTeamMember", "app.team.get.find.app_error", http.StatusNotFound, "team_id="+teamID)
	}
	u, ok := s.users[userID]
	if !ok {
		return nil, appError("CreateTeamMember", missingAccount, http.StatusNotFound, "user_id="+userID)
	}
	if s.teamMembers[teamID] == nil {
		s.teamMembers[teamID] = map[string]*model.TeamMember{}
	}
	if m := s.teamMembers[teamID][userID]; m != nil && m.DeleteAt == 0 {
		c := *m
		return &c, nil
	}
	m := &model.TeamMember{TeamId: teamID, UserId: userID, SchemeUser: !u.IsGuest(), SchemeGuest: u.IsGuest(), CreateAt: s.nowMillis()}
	m.Roles = schemeRoles("", m.SchemeGuest, m.SchemeUser, m.SchemeAdmin, model.TeamGuestRoleId, model.TeamUserRoleId, model.TeamAdminRoleId)
	s.teamMembers[teamID][userID] = m
	for _, dc := range defaultChannels {
		if ch := s.channelByName(teamID, dc.name); ch != nil {
			if _, err := s.addChannelMember(ch.Id, userID); err != nil {
				return nil, err
			}
		}
	}
	c := *m
	return &c, nil
}

func (a *API) CreateTeamMember(teamID, userID string) (*model.TeamMember, *model.AppError) {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.addTeamMember(teamID, userID)
}

func (a *API) CreateTeamMembers(teamID string, userIDs []string, _ string) ([]*model.TeamMember, *model.AppError) {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	out := make([]*model.TeamMember, 0, len(userIDs))
	for _, id := range userIDs {
		m, err := a.store.addTeamMember(teamID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func (a *API) GetTeamMember(teamID, userID string) (*model.TeamMember, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.teamMembers[teamID][userID]
	if m == nil {
		return nil, appError("GetTeamMember", "app.team.get_member.missing.app_error", http.StatusNotFound, "team_id="+teamID+" user_id="+userID)
	}
	c := *m
	return &c, nil
}

func (a *API) GetTeamMembers(teamID string, page, perPage int) ([]*model.TeamMember, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.TeamMember{}
	for _, m := range s.teamMembers[teamID] {
		if m.DeleteAt == 0 {
			c := *m
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *model.TeamMember) int { return strings.Compare(a.UserId, b.UserId) })
	return pageOf(out, page*perPage, perPage), nil
}

func (a *API) GetTeamMembersForUser(userID string, page, perPage int) ([]*model.TeamMember, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.TeamMember{}
	for _, members := range s.teamMembers {
		if m := members[userID]; m != nil && m.DeleteAt == 0 {
			c := *m
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *model.TeamMember) int { return strings.Compare(a.TeamId, b.TeamId) })
	return pageOf(out, page*perPage, perPage), nil
}

func (a *API) DeleteTeamMember(teamID, userID, _ string) *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.teamMembers[teamID][userID]
	if m == nil || m.DeleteAt != 0 {
		return appError("DeleteTeamMember", "app.team.get_member.missing.app_error", http.StatusNotFound, "team_id="+teamID+" user_id="+userID)
	}
	m.DeleteAt = s.nowMillis()
	for id, ch := range s.channels {
		if ch.TeamId == teamID {
			delete(s.channelMembers[id], userID)
		}
	}
	return nil
}

func (a *API) UpdateTeamMemberRoles(teamID, userID, newRoles string) (*model.TeamMember, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.teamMembers[teamID][userID]
	if m == nil {
		return nil, appError("UpdateTeamMemberRoles", "app.team.get_member.missing.app_error", http.StatusNotFound, "team_id="+teamID+" user_id="+userID)
	}
	m.ExplicitRoles, m.SchemeUser, m.SchemeAdmin = splitSchemeRoles(newRoles, model.TeamUserRoleId, model.TeamAdminRoleId)
	m.Roles = schemeRoles(m.ExplicitRoles, m.SchemeGuest, m.SchemeUser, m.SchemeAdmin, model.TeamGuestRoleId, model.TeamUserRoleId, model.TeamAdminRoleId)
	c := *m
	return &c, nil
}

// schemeRoles renders a membership's Roles the way the server's store does: explicit roles
// followed by the roles the scheme flags stand for.
func schemeRoles(explicit string, guest, user, admin bool, guestRole, userRole, adminRole string) string {
	roles := strings.Fields(explicit)
	if guest {
		roles = append(roles, guestRole)
	}
	if user {
		roles = append(roles, userRole)
	}
	if admin {
		roles = append(roles, adminRole)
	}
	return strings.Join(roles, " ")
}

// splitSchemeRoles turns a roles string into explicit roles plus scheme flags.
func splitSchemeRoles(roles, userRole, adminRole string) (explicit string, user, admin bool) {
	var rest []string
	for _, r := range strings.Fields(roles) {
		switch r {
		case userRole:
			user = true
		case adminRole:
			admin, user = true, true
		default:
			rest = append(rest, r)
		}
	}
	return strings.Join(rest, " "), user, admin
}
