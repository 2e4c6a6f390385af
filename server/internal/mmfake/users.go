package mmfake

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/mattermost/mattermost/server/public/model"
)

const missingAccount = "app.user.missing_account.const"

// plainHasher stands in for bcrypt: the fake never checks passwords and tests stay fast.
type plainHasher struct{}

func (plainHasher) Hash(password string) (string, error) { return "plain:" + password, nil }

func cloneUser(u *model.User) *model.User {
	if u == nil {
		return nil
	}
	c := u.DeepCopy()
	c.Password = ""
	return c
}

// createUser validates and stores a new user. Caller holds mu.
func (s *Store) createUser(where string, user *model.User) (*model.User, *model.AppError) {
	if user == nil {
		return nil, appError(where, "api.user.create_user.invalid", http.StatusBadRequest, "nil user")
	}
	if user.Id != "" {
		return nil, model.NewAppError(where, "model.user.is_valid.id.app_error", nil, "user id must be empty", http.StatusBadRequest)
	}
	u := user.DeepCopy()
	u.CreateAt = s.nowMillis()
	if err := u.PreSave(plainHasher{}); err != nil {
		return nil, err
	}
	if u.Roles == "" {
		u.Roles = model.SystemUserRoleId
	}
	if err := u.IsValid(); err != nil {
		return nil, err
	}
	for _, other := range s.users {
		if other.Username == u.Username {
			return nil, appError(where, "app.user.save.username_exists.app_error", http.StatusBadRequest, "username="+u.Username)
		}
		if other.Email == u.Email {
			return nil, appError(where, "app.user.save.email_exists.app_error", http.StatusBadRequest, "email="+u.Email)
		}
	}
	s.users[u.Id] = u
	return cloneUser(u), nil
}

func (a *API) CreateUser(user *model.User) (*model.User, *model.AppError) {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.createUser("CreateUser", user)
}

// DeleteUser deactivates, as the server's plugin API does.
func (a *API) DeleteUser(userID string) *model.AppError {
	return a.UpdateUserActive(userID, false)
}

func (a *API) UpdateUserActive(userID string, active bool) *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return appError("UpdateUserActive", missingAccount, http.StatusNotFound, "user_id="+userID)
	}
	u.UpdateAt = s.nowMillis()
	if active {
		u.DeleteAt = 0
	} else if u.DeleteAt == 0 {
		u.DeleteAt = u.UpdateAt
	}
	if b, ok := s.bots[userID]; ok {
		b.DeleteAt = u.DeleteAt
	}
	return nil
}

func (a *API) GetUser(userID string) (*model.User, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return nil, appError("GetUser", missingAccount, http.StatusNotFound, "user_id="+userID)
	}
	return cloneUser(u), nil
}

func (s *Store) userBy(match func(*model.User) bool) *model.User {
	for _, u := range s.users {
		if match(u) {
			return u
		}
	}
	return nil
}

func (a *API) GetUserByUsername(name string) (*model.User, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	name = model.NormalizeUsername(name)
	if u := s.userBy(func(u *model.User) bool { return u.Username == name }); u != nil {
		return cloneUser(u), nil
	}
	return nil, appError("GetUserByUsername", "app.user.get_by_username.app_error", http.StatusNotFound, "username="+name)
}

func (a *API) GetUserByEmail(email string) (*model.User, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	email = model.NormalizeEmail(email)
	if u := s.userBy(func(u *model.User) bool { return u.Email == email }); u != nil {
		return cloneUser(u), nil
	}
	return nil, appError("GetUserByEmail", missingAccount, http.StatusNotFound, "email="+email)
}

// GetUsersByUsernames returns the users that exist, like the server; missing names are
// skipped without an error.
func (a *API) GetUsersByUsernames(usernames []string) ([]*model.User, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.User{}
	for _, u := range s.sortedUsers() {
		if slices.Contains(usernames, u.Username) {
			out = append(out, cloneUser(u))
		}
	}
	return out, nil
}

func (a *API) GetUsersByIds(userIDs []string) ([]*model.User, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.User{}
	for _, u := range s.sortedUsers() {
		if slices.Contains(userIDs, u.Id) {
			out = append(out, cloneUser(u))
		}
	}
	return out, nil
}

// sortedUsers lists users by username, the server's default order. Caller holds mu.
func (s *Store) sortedUsers() []*model.User {
	users := make([]*model.User, 0, len(s.users))
	for _, u := range s.users {
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b *model.User) int { return strings.Compare(a.Username, b.Username) })
	return users
}

// GetUsers supports the filters plugins commonly use: InTeamId, NotInTeamId, InChannelId,
// NotInChannelId, Role, Roles, Active, Inactive, and paging.
func (a *API) GetUsers(options *model.UserGetOptions) ([]*model.User, *model.AppError) {
	if options == nil {
		options = &model.UserGetOptions{PerPage: 60}
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*model.User
	for _, u := range s.sortedUsers() {
		switch {
		case options.InTeamId != "" && !s.isTeamMember(options.InTeamId, u.Id),
			options.NotInTeamId != "" && s.isTeamMember(options.NotInTeamId, u.Id),
			options.InChannelId != "" && s.channelMembers[options.InChannelId][u.Id] == nil,
			options.NotInChannelId != "" && s.channelMembers[options.NotInChannelId][u.Id] != nil,
			options.Role != "" && !slices.Contains(strings.Fields(u.Roles), options.Role),
			len(options.Roles) > 0 && !slices.ContainsFunc(options.Roles, func(r string) bool { return slices.Contains(strings.Fields(u.Roles), r) }),
			options.Active && u.DeleteAt != 0,
			options.Inactive && u.DeleteAt == 0:
			continue
		}
		out = append(out, cloneUser(u))
	}
	perPage := options.PerPage
	if perPage <= 0 {
		perPage = 60
	}
	return pageOf(out, options.Page*perPage, perPage), nil
}

func (a *API) GetUsersInTeam(teamID string, page, perPage int) ([]*model.User, *model.AppError) {
	return a.GetUsers(&model.UserGetOptions{InTeamId: teamID, Page: page, PerPage: perPage})
}

func (a *API) GetUsersInChannel(channelID, _ string, page, perPage int) ([]*model.User, *model.AppError) {
	return a.GetUsers(&model.UserGetOptions{InChannelId: channelID, Page: page, PerPage: perPage})
}

// SearchUsers matches Term against username, names, nickname and email, within TeamId
// and InChannelId when given.
func (a *API) SearchUsers(search *model.UserSearch) ([]*model.User, *model.AppError) {
	if search == nil {
		return []*model.User{}, nil
	}
	term := strings.ToLower(strings.TrimPrefix(search.Term, "@"))
	users, _ := a.GetUsers(&model.UserGetOptions{InTeamId: search.TeamId, InChannelId: search.InChannelId, PerPage: 1 << 30})
	out := []*model.User{}
	for _, u := range users {
		if !search.AllowInactive && u.DeleteAt != 0 {
			continue
		}
		fields := strings.ToLower(strings.Join([]string{u.Username, u.FirstName, u.LastName, u.Nickname, u.Email}, " "))
		if strings.Contains(fields, term) {
			out = append(out, u)
		}
	}
	if search.Limit > 0 {
		out = pageOf(out, 0, search.Limit)
	}
	return out, nil
}

// UpdateUser replaces a user's profile. Roles, activity and bot-ness are kept, as the
// server's untrusted update does: use UpdateUserRoles and UpdateUserActive for those.
func (a *API) UpdateUser(user *model.User) (*model.User, *model.AppError) {
	if user == nil {
		return nil, appError("UpdateUser", "api.user.update_user.invalid", http.StatusBadRequest, "nil user")
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.users[user.Id]
	if !ok {
		return nil, appError("UpdateUser", missingAccount, http.StatusNotFound, "user_id="+user.Id)
	}
	u := user.DeepCopy()
	u.Password = ""
	u.Username = model.NormalizeUsername(u.Username)
	u.Email = model.NormalizeEmail(u.Email)
	u.CreateAt, u.DeleteAt, u.Roles, u.IsBot = old.CreateAt, old.DeleteAt, old.Roles, old.IsBot
	u.UpdateAt = s.nowMillis()
	if err := u.IsValid(); err != nil {
		return nil, err
	}
	for _, other := range s.users {
		if other.Id == u.Id {
			continue
		}
		if other.Username == u.Username {
			return nil, appError("UpdateUser", "app.user.save.username_exists.app_error", http.StatusBadRequest, "username="+u.Username)
		}
		if other.Email == u.Email {
			return nil, appError("UpdateUser", "app.user.save.email_exists.app_error", http.StatusBadRequest, "email="+u.Email)
		}
	}
	s.users[u.Id] = u
	return cloneUser(u), nil
}

func (a *API) UpdateUserRoles(userID, newRoles string) (*model.User, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return nil, appError("UpdateUserRoles", missingAccount, http.StatusNotFound, "user_id="+userID)
	}
	u.Roles = newRoles
	u.UpdateAt = s.nowMillis()
	return cloneUser(u), nil
}

func (a *API) GetProfileImage(userID string) ([]byte, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[userID]; !ok {
		return nil, appError("GetProfileImage", missingAccount, http.StatusNotFound, "user_id="+userID)
	}
	if img, ok := s.images[userID]; ok {
		return slices.Clone(img), nil
	}
	return []byte{}, nil
}

func (a *API) SetProfileImage(userID string, data []byte) *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return appError("SetProfileImage", missingAccount, http.StatusNotFound, "user_id="+userID)
	}
	s.images[userID] = slices.Clone(data)
	u.LastPictureUpdate = s.nowMillis()
	return nil
}

// Statuses.

var validStatuses = []string{model.StatusOnline, model.StatusAway, model.StatusOffline, model.StatusDnd}

// GetUserStatus answers 404 for a user with no status row yet, as the server does for a
// user who never connected; use Store.SetStatus to give one.
func (a *API) GetUserStatus(userID string) (*model.Status, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.statuses[userID]
	if !ok {
		return nil, appError("GetUserStatus", "app.status.get.missing.app_error", http.StatusNotFound, "user_id="+userID)
	}
	c := *st
	return &c, nil
}

// GetUserStatusesByIds reports users without a status row as offline, like the server.
func (a *API) GetUserStatusesByIds(userIDs []string) ([]*model.Status, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*model.Status, 0, len(userIDs))
	for _, id := range userIDs {
		if st, ok := s.statuses[id]; ok {
			c := *st
			out = append(out, &c)
		} else {
			out = append(out, &model.Status{UserId: id, Status: model.StatusOffline})
		}
	}
	return out, nil
}

func (a *API) UpdateUserStatus(userID, status string) (*model.Status, *model.AppError) {
	if !slices.Contains(validStatuses, status) {
		return nil, appError("UpdateUserStatus", "api.plugin.update_user_status.bad_status", http.StatusBadRequest, "status="+status)
	}
	a.store.setStatus(userID, status, true)
	return a.GetUserStatus(userID)
}

func (s *Store) setStatus(userID, status string, manual bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses[userID] = &model.Status{UserId: userID, Status: status, Manual: manual, LastActivityAt: s.nowMillis()}
}

// SetStatus sets a user's presence (model.StatusOnline, StatusAway, StatusDnd,
// StatusOffline) as the user's own client would.
func (s *Store) SetStatus(userID, status string) {
	s.setStatus(userID, status, false)
}

// Preferences.

func (a *API) GetPreferencesForUser(userID string) ([]model.Preference, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Preference{}, s.preferences[userID]...), nil
}

func (a *API) GetPreferenceForUser(userID, category, name string) (model.Preference, *model.AppError) {
	prefs, _ := a.GetPreferencesForUser(userID)
	for _, p := range prefs {
		if p.Category == category && p.Name == name {
			return p, nil
		}
	}
	return model.Preference{}, appError("GetPreferenceForUser", "app.preference.get.app_error", http.StatusNotFound, category+"/"+name)
}

func (a *API) UpdatePreferencesForUser(userID string, preferences []model.Preference) *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range preferences {
		if p.UserId != userID {
			return appError("UpdatePreferencesForUser", "api.preference.update_preferences.set.app_error", http.StatusForbidden, "user_id mismatch")
		}
		list := s.preferences[userID]
		i := slices.IndexFunc(list, func(q model.Preference) bool { return q.Category == p.Category && q.Name == p.Name })
		if i >= 0 {
			list[i] = p
		} else {
			s.preferences[userID] = append(list, p)
		}
	}
	return nil
}

func (a *API) DeletePreferencesForUser(userID string, preferences []model.Preference) *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	s.preferences[userID] = slices.DeleteFunc(s.preferences[userID], func(q model.Preference) bool {
		return slices.ContainsFunc(preferences, func(p model.Preference) bool { return q.Category == p.Category && q.Name == p.Name })
	})
	return nil
}

// Permissions, from the server's default role definitions.

var defaultRoles = sync.OnceValue(model.MakeDefaultRoles)

func rolesGrant(roleNames []string, permissionID string) bool {
	for _, name := range roleNames {
		if name == model.SystemAdminRoleId {
			return true
		}
		if role, ok := defaultRoles()[name]; ok && slices.Contains(role.Permissions, permissionID) {
			return true
		}
	}
	return false
}

func (a *API) RolesGrantPermission(roleNames []string, permissionID string) bool {
	return rolesGrant(roleNames, permissionID)
}

// systemRoles returns the user's system roles, none for an unknown or deactivated user.
// Caller holds mu.
func (s *Store) systemRoles(userID string) []string {
	u, ok := s.users[userID]
	if !ok || u.DeleteAt != 0 {
		return nil
	}
	return strings.Fields(u.Roles)
}

func (s *Store) teamRoles(teamID, userID string) []string {
	m := s.teamMembers[teamID][userID]
	if m == nil || m.DeleteAt != 0 {
		return nil
	}
	return strings.Fields(schemeRoles(m.ExplicitRoles, m.SchemeGuest, m.SchemeUser, m.SchemeAdmin, model.TeamGuestRoleId, model.TeamUserRoleId, model.TeamAdminRoleId))
}

func (s *Store) channelRoles(channelID, userID string) []string {
	m := s.channelMembers[channelID][userID]
	if m == nil {
		return nil
	}
	return strings.Fields(schemeRoles(m.ExplicitRoles, m.SchemeGuest, m.SchemeUser, m.SchemeAdmin, model.ChannelGuestRoleId, model.ChannelUserRoleId, model.ChannelAdminRoleId))
}

func permissionID(p *model.Permission) string {
	if p == nil {
		return ""
	}
	return p.Id
}

func (a *API) HasPermissionTo(userID string, permission *model.Permission) bool {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return rolesGrant(s.systemRoles(userID), permissionID(permission))
}

func (a *API) HasPermissionToTeam(userID, teamID string, permission *model.Permission) bool {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	sys := s.systemRoles(userID)
	if sys == nil {
		return false
	}
	return rolesGrant(append(sys, s.teamRoles(teamID, userID)...), permissionID(permission))
}

func (a *API) HasPermissionToChannel(userID, channelID string, permission *model.Permission) bool {
	return a.store.hasPermissionToChannel(userID, channelID, permission)
}

func (s *Store) hasPermissionToChannel(userID, channelID string, permission *model.Permission) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sys := s.systemRoles(userID)
	if sys == nil {
		return false
	}
	roles := append(sys, s.channelRoles(channelID, userID)...)
	if ch, ok := s.channels[channelID]; ok && ch.TeamId != "" {
		roles = append(roles, s.teamRoles(ch.TeamId, userID)...)
	}
	return rolesGrant(roles, permissionID(permission))
}
