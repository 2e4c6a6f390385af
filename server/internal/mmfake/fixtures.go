package mmfake

import (
	"bytes"
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"
)

// Fixtures: short ways for tests to populate the server. They panic on invalid input,
// which is a bug in the test, so that call sites stay one line.

func must[T any](v T, err *model.AppError) T {
	if err != nil {
		panic(fmt.Sprintf("mmfake fixture: %v", err))
	}
	return v
}

// NewUser creates an active user with email <username>@example.com. Roles default to
// system_user; pass model.SystemAdminRoleId+" "+model.SystemUserRoleId for an admin.
func (s *Store) NewUser(username string, roles ...string) *model.User {
	u := &model.User{Username: username, Email: username + "@example.com", FirstName: username}
	for i, r := range roles {
		if i > 0 {
			u.Roles += " "
		}
		u.Roles += r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return must(s.createUser("NewUser", u))
}

// NewAdmin creates a system administrator.
func (s *Store) NewAdmin(username string) *model.User {
	return s.NewUser(username, model.SystemAdminRoleId, model.SystemUserRoleId)
}

// NewTeam creates an open team, with its town-square and off-topic channels, and adds the
// given users to it.
func (s *Store) NewTeam(name string, memberIDs ...string) *model.Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := must(s.createTeam(&model.Team{Name: name, DisplayName: name, Type: model.TeamOpen}))
	for _, id := range memberIDs {
		must(s.addTeamMember(t.Id, id))
	}
	return t
}

// NewChannel creates a channel (model.ChannelTypeOpen or ChannelTypePrivate) in a team and
// adds the given users to the team and the channel.
func (s *Store) NewChannel(teamID, name string, typ model.ChannelType, memberIDs ...string) *model.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := must(s.createChannel(&model.Channel{TeamId: teamID, Name: name, DisplayName: name, Type: typ}))
	for _, id := range memberIDs {
		must(s.addTeamMember(teamID, id))
		must(s.addChannelMember(ch.Id, id))
	}
	return ch
}

// AddToChannel joins users to a channel, and to its team first if needed.
func (s *Store) AddToChannel(channelID string, userIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelID]
	if !ok {
		panic("mmfake fixture: no channel " + channelID)
	}
	for _, id := range userIDs {
		if ch.TeamId != "" {
			must(s.addTeamMember(ch.TeamId, id))
		}
		must(s.addChannelMember(channelID, id))
	}
}

// User returns a stored user, or nil.
func (s *Store) User(userID string) *model.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneUser(s.users[userID])
}

// UserByUsername returns a stored user, or nil.
func (s *Store) UserByUsername(username string) *model.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	username = model.NormalizeUsername(username)
	return cloneUser(s.userBy(func(u *model.User) bool { return u.Username == username }))
}

// Channel returns a stored channel, or nil.
func (s *Store) Channel(channelID string) *model.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.channels[channelID]; ok {
		return ch.DeepCopy()
	}
	return nil
}

// ChannelsInTeam returns a team's channels (deleted ones too), by name.
func (s *Store) ChannelsInTeam(teamID string) []*model.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedChannels(func(ch *model.Channel) bool { return ch.TeamId == teamID })
}

// IsChannelMember reports whether a user is in a channel.
func (s *Store) IsChannelMember(channelID, userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channelMembers[channelID][userID] != nil
}

// ProfileImage returns the image set for a user or bot, or nil.
func (s *Store) ProfileImage(userID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.images[userID])
}

// Reactions returns the reactions on a post.
func (s *Store) Reactions(postID string) []*model.Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.Reaction{}
	for _, r := range s.reactions[postID] {
		c := *r
		out = append(out, &c)
	}
	return out
}
