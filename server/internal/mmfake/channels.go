package mmfake

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

func cloneMember(m *model.ChannelMember) *model.ChannelMember {
	c := *m
	c.NotifyProps = model.CopyStringMap(m.NotifyProps)
	return &c
}

func (a *API) CreateChannel(channel *model.Channel) (*model.Channel, *model.AppError) {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	if channel != nil && (channel.Type == model.ChannelTypeDirect || channel.Type == model.ChannelTypeGroup) {
		return nil, appError("CreateChannel", "store.sql_channel.save.direct_channel.app_error", http.StatusBadRequest, "use GetDirectChannel")
	}
	return a.store.createChannel(channel)
}

// createChannel validates and stores a channel, enforcing the server's per-team channel
// limit (TeamSettings.MaxChannelsPerTeam) and unique names. Caller holds mu.
func (s *Store) createChannel(channel *model.Channel) (*model.Channel, *model.AppError) {
	if channel == nil {
		return nil, appError("CreateChannel", "model.channel.is_valid.id.app_error", http.StatusBadRequest, "nil channel")
	}
	if channel.Id != "" {
		return nil, appError("CreateChannel", "store.sql_channel.save_channel.existing.app_error", http.StatusBadRequest, "channel id must be empty")
	}
	ch := channel.DeepCopy()
	ch.CreateAt = s.nowMillis()
	ch.PreSave()
	if err := ch.IsValid(); err != nil {
		return nil, err
	}
	if ch.Type == model.ChannelTypeOpen || ch.Type == model.ChannelTypePrivate {
		if _, ok := s.teams[ch.TeamId]; !ok {
			return nil, appError("CreateChannel", "app.team.get.find.app_error", http.StatusBadRequest, "team_id="+ch.TeamId)
		}
		count := 0
		for _, other := range s.channels {
			if other.TeamId == ch.TeamId && other.DeleteAt == 0 && (other.Type == model.ChannelTypeOpen || other.Type == model.ChannelTypePrivate) {
				count++
			}
		}
		if limit := s.config.TeamSettings.MaxChannelsPerTeam; limit != nil && int64(count) >= *limit {
			return nil, appError("CreateChannel", "store.sql_channel.save_channel.limit.app_error", http.StatusBadRequest, "team_id="+ch.TeamId)
		}
	}
	if s.channelByName(ch.TeamId, ch.Name) != nil {
		return nil, appError("CreateChannel", "store.sql_channel.save_channel.exists.app_error", http.StatusBadRequest, "name="+ch.Name)
	}
	s.channels[ch.Id] = ch
	return ch.DeepCopy(), nil
}

// channelByName finds a channel, deleted or not. Caller holds mu.
func (s *Store) channelByName(teamID, name string) *model.Channel {
	for _, ch := range s.channels {
		if ch.TeamId == teamID && ch.Name == name {
			return ch
		}
	}
	return nil
}

func channelNotFound(where, what string) *model.AppError {
	return appError(where, "app.channel.get.existing.app_error", http.StatusNotFound, what)
}

func (a *API) GetChannel(channelID string) (*model.Channel, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelID]
	if !ok {
		return nil, channelNotFound("GetChannel", "channel_id="+channelID)
	}
	return ch.DeepCopy(), nil
}

func (a *API) GetChannelOfType(channelID string, channelType model.ChannelType) (*model.Channel, *model.AppError) {
	ch, err := a.GetChannel(channelID)
	if err != nil {
		return nil, err
	}
	if ch.Type != channelType {
		return nil, channelNotFound("GetChannelOfType", "channel_id="+channelID)
	}
	return ch, nil
}

func (a *API) GetChannelByName(teamID, name string, includeDeleted bool) (*model.Channel, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channelByName(teamID, name)
	if ch == nil || (!includeDeleted && ch.DeleteAt != 0) {
		return nil, appError("GetChannelByName", "app.channel.get_by_name.missing.app_error", http.StatusNotFound, "name="+name)
	}
	return ch.DeepCopy(), nil
}

func (a *API) GetChannelByNameForTeamName(teamName, channelName string, includeDeleted bool) (*model.Channel, *model.AppError) {
	team, err := a.GetTeamByName(teamName)
	if err != nil {
		return nil, err
	}
	return a.GetChannelByName(team.Id, channelName, includeDeleted)
}

// UpdateChannel replaces a channel; CreateAt, team and type cannot change.
func (a *API) UpdateChannel(channel *model.Channel) (*model.Channel, *model.AppError) {
	if channel == nil {
		return nil, appError("UpdateChannel", "model.channel.is_valid.id.app_error", http.StatusBadRequest, "nil channel")
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.channels[channel.Id]
	if !ok {
		return nil, channelNotFound("UpdateChannel", "channel_id="+channel.Id)
	}
	if old.DeleteAt != 0 {
		return nil, appError("UpdateChannel", "api.channel.update_channel.deleted.app_error", http.StatusBadRequest, "channel_id="+channel.Id)
	}
	ch := channel.DeepCopy()
	ch.CreateAt, ch.TeamId, ch.Type, ch.DeleteAt = old.CreateAt, old.TeamId, old.Type, old.DeleteAt
	ch.PreUpdate()
	ch.UpdateAt = s.nowMillis()
	if err := ch.IsValid(); err != nil {
		return nil, err
	}
	if other := s.channelByName(ch.TeamId, ch.Name); other != nil && other.Id != ch.Id {
		return nil, appError("UpdateChannel", "store.sql_channel.update.exists.app_error", http.StatusBadRequest, "name="+ch.Name)
	}
	s.channels[ch.Id] = ch
	return ch.DeepCopy(), nil
}

func (a *API) DeleteChannel(channelID string) *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelID]
	if !ok {
		return channelNotFound("DeleteChannel", "channel_id="+channelID)
	}
	if ch.Name == model.DefaultChannelName {
		return appError("DeleteChannel", "api.channel.delete_channel.cannot.app_error", http.StatusBadRequest, "town square")
	}
	if ch.IsGroupOrDirect() {
		return appError("DeleteChannel", "api.channel.delete_channel.type.invalid", http.StatusBadRequest, "direct or group channel")
	}
	if ch.DeleteAt == 0 {
		ch.DeleteAt = s.nowMillis()
		ch.UpdateAt = ch.DeleteAt
	}
	return nil
}

func (a *API) RestoreChannel(channelID string) *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelID]
	if !ok {
		return channelNotFound("RestoreChannel", "channel_id="+channelID)
	}
	ch.DeleteAt = 0
	ch.UpdateAt = s.nowMillis()
	return nil
}

// sortedChannels lists matching channels by name. Caller holds mu.
func (s *Store) sortedChannels(keep func(*model.Channel) bool) []*model.Channel {
	out := []*model.Channel{}
	for _, ch := range s.channels {
		if keep(ch) {
			out = append(out, ch.DeepCopy())
		}
	}
	slices.SortFunc(out, func(a, b *model.Channel) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (a *API) GetPublicChannelsForTeam(teamID string, page, perPage int) ([]*model.Channel, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	chs := s.sortedChannels(func(ch *model.Channel) bool {
		return ch.TeamId == teamID && ch.Type == model.ChannelTypeOpen && ch.DeleteAt == 0
	})
	return pageOf(chs, page*perPage, perPage), nil
}

// GetChannelsForTeamForUser includes the user's direct and group channels, as the server does.
func (a *API) GetChannelsForTeamForUser(teamID, userID string, includeDeleted bool) ([]*model.Channel, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedChannels(func(ch *model.Channel) bool {
		return (ch.TeamId == teamID || ch.TeamId == "") && s.channelMembers[ch.Id][userID] != nil && (includeDeleted || ch.DeleteAt == 0)
	}), nil
}

// SearchChannels matches term against the names of the team's public channels.
func (a *API) SearchChannels(teamID, term string) ([]*model.Channel, *model.AppError) {
	term = strings.ToLower(term)
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedChannels(func(ch *model.Channel) bool {
		return ch.TeamId == teamID && ch.Type == model.ChannelTypeOpen && ch.DeleteAt == 0 &&
			(strings.Contains(ch.Name, term) || strings.Contains(strings.ToLower(ch.DisplayName), term))
	}), nil
}

func (a *API) GetChannelStats(channelID string) (*model.ChannelStats, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[channelID]; !ok {
		return nil, channelNotFound("GetChannelStats", "channel_id="+channelID)
	}
	return &model.ChannelStats{ChannelId: channelID, MemberCount: int64(len(s.channelMembers[channelID]))}, nil
}

// GetDirectChannel returns the DM between two users, creating it (name "idA__idB", ids
// sorted) with both as members the first time.
func (a *API) GetDirectChannel(userID1, userID2 string) (*model.Channel, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range []string{userID1, userID2} {
		if _, ok := s.users[id]; !ok {
			return nil, appError("GetDirectChannel", missingAccount, http.StatusBadRequest, "user_id="+id)
		}
	}
	name := model.GetDMNameFromIds(userID1, userID2)
	if ch := s.channelByName("", name); ch != nil {
		return ch.DeepCopy(), nil
	}
	ch, err := s.createChannel(&model.Channel{Name: name, Type: model.ChannelTypeDirect})
	if err != nil {
		return nil, err
	}
	for _, id := range []string{userID1, userID2} {
		s.putChannelMember(ch.Id, id)
	}
	return ch, nil
}

// putChannelMember stores a membership without checks. Caller holds mu.
func (s *Store) putChannelMember(channelID, userID string) *model.ChannelMember {
	if s.channelMembers[channelID] == nil {
		s.channelMembers[channelID] = map[string]*model.ChannelMember{}
	}
	if m := s.channelMembers[channelID][userID]; m != nil {
		return m
	}
	guest := s.users[userID] != nil && s.users[userID].IsGuest()
	m := &model.ChannelMember{
		ChannelId:   channelID,
		UserId:      userID,
		NotifyProps: model.GetDefaultChannelNotifyProps(),
		SchemeGuest: guest,
		SchemeUser:  !guest,
	}
	m.Roles = schemeRoles("", m.SchemeGuest, m.SchemeUser, m.SchemeAdmin, model.ChannelGuestRoleId, model.ChannelUserRoleId, model.ChannelAdminRoleId)
	m.PreSave()
	m.LastUpdateAt = s.nowMillis()
	s.channelMembers[channelID][userID] = m
	return m
}

// addChannelMember adds a user to a team channel; like the server it requires an active
// user who is a member of the channel's team. Caller holds mu.
func (s *Store) addChannelMember(channelID, userID string) (*model.ChannelMember, *model.AppError) {
	ch, ok := s.channels[channelID]
	if !ok {
		return nil, channelNotFound("AddChannelMember", "channel_id="+channelID)
	}
	if ch.DeleteAt != 0 {
		return nil, appError("AddChannelMember", "api.channel.add_user.to.channel.failed.deleted.app_error", http.StatusBadRequest, "channel_id="+channelID)
	}
	if ch.IsGroupOrDirect() {
		return nil, appError("AddChannelMember", "api.channel.add_user_to_channel.type.app_error", http.StatusBadRequest, "direct or group channel")
	}
	u, ok := s.users[userID]
	if !ok || u.DeleteAt != 0 {
		return nil, appError("AddChannelMember", missingAccount, http.StatusNotFound, "user_id="+userID)
	}
	if !s.isTeamMember(ch.TeamId, userID) {
		return nil, appError("AddChannelMember", "api.channel.add_user.to.channel.failed.app_error", http.StatusForbidden, "user is not a member of the channel's team")
	}
	return cloneMember(s.putChannelMember(channelID, userID)), nil
}

func (a *API) AddChannelMember(channelID, userID string) (*model.ChannelMember, *model.AppError) {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.addChannelMember(channelID, userID)
}

func (a *API) AddUserToChannel(channelID, userID, _ string) (*model.ChannelMember, *model.AppError) {
	return a.AddChannelMember(channelID, userID)
}

func memberNotFound(where, channelID, userID string) *model.AppError {
	return appError(where, "app.channel.get_member.missing.app_error", http.StatusNotFound, "channel_id="+channelID+" user_id="+userID)
}

func (a *API) GetChannelMember(channelID, userID string) (*model.ChannelMember, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.channelMembers[channelID][userID]
	if m == nil {
		return nil, memberNotFound("GetChannelMember", channelID, userID)
	}
	return cloneMember(m), nil
}

// sortedMembers lists a channel's members by user id. Caller holds mu.
func (s *Store) sortedMembers(channelID string, keep func(*model.ChannelMember) bool) model.ChannelMembers {
	out := model.ChannelMembers{}
	for _, m := range s.channelMembers[channelID] {
		if keep(m) {
			out = append(out, *cloneMember(m))
		}
	}
	slices.SortFunc(out, func(a, b model.ChannelMember) int { return strings.Compare(a.UserId, b.UserId) })
	return out
}

func (a *API) GetChannelMembers(channelID string, page, perPage int) (model.ChannelMembers, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.sortedMembers(channelID, func(*model.ChannelMember) bool { return true })
	return pageOf(all, page*perPage, perPage), nil
}

func (a *API) GetChannelMembersByIds(channelID string, userIDs []string) (model.ChannelMembers, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedMembers(channelID, func(m *model.ChannelMember) bool { return slices.Contains(userIDs, m.UserId) }), nil
}

func (a *API) GetChannelMembersForUser(teamID, userID string, page, perPage int) ([]*model.ChannelMember, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.ChannelMember{}
	for _, ch := range s.sortedChannels(func(ch *model.Channel) bool { return ch.TeamId == teamID || ch.TeamId == "" }) {
		if m := s.channelMembers[ch.Id][userID]; m != nil {
			out = append(out, cloneMember(m))
		}
	}
	return pageOf(out, page*perPage, perPage), nil
}

func (a *API) UpdateChannelMemberRoles(channelID, userID, newRoles string) (*model.ChannelMember, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.channelMembers[channelID][userID]
	if m == nil {
		return nil, memberNotFound("UpdateChannelMemberRoles", channelID, userID)
	}
	m.ExplicitRoles, m.SchemeUser, m.SchemeAdmin = splitSchemeRoles(newRoles, model.ChannelUserRoleId, model.ChannelAdminRoleId)
	m.Roles = schemeRoles(m.ExplicitRoles, m.SchemeGuest, m.SchemeUser, m.SchemeAdmin, model.ChannelGuestRoleId, model.ChannelUserRoleId, model.ChannelAdminRoleId)
	m.LastUpdateAt = s.nowMillis()
	return cloneMember(m), nil
}

func (a *API) UpdateChannelMemberNotifications(channelID, userID string, notifications map[string]string) (*model.ChannelMember, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.channelMembers[channelID][userID]
	if m == nil {
		return nil, memberNotFound("UpdateChannelMemberNotifications", channelID, userID)
	}
	for k, v := range notifications {
		m.NotifyProps[k] = v
	}
	m.LastUpdateAt = s.nowMillis()
	return cloneMember(m), nil
}

// DeleteChannelMember removes a user from a channel; nobody leaves town-square or a DM.
func (a *API) DeleteChannelMember(channelID, userID string) *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelID]
	if !ok {
		return channelNotFound("DeleteChannelMember", "channel_id="+channelID)
	}
	if ch.Name == model.DefaultChannelName {
		return appError("DeleteChannelMember", "api.channel.remove.default.app_error", http.StatusBadRequest, "town square")
	}
	if ch.Type == model.ChannelTypeDirect {
		return appError("DeleteChannelMember", "api.channel.remove_user_from_channel.direct.app_error", http.StatusBadRequest, "direct channel")
	}
	if s.channelMembers[channelID][userID] == nil {
		return memberNotFound("DeleteChannelMember", channelID, userID)
	}
	delete(s.channelMembers[channelID], userID)
	return nil
}
