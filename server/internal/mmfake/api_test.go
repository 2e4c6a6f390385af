package mmfake

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi"
)

func TestBaseAnswersUnavailable(t *testing.T) {
	_, api := newTestAPI(t)

	_, appErr := api.GetLDAPUserAttributes("u", nil)
	require.NotNil(t, appErr)
	assert.Equal(t, http.StatusNotImplemented, appErr.StatusCode)
	assert.Equal(t, "mmfake.not_implemented", appErr.Id)

	_, err := api.CreateCommand(&model.Command{})
	require.ErrorContains(t, err, "mmfake: method unavailable: CreateCommand")
}

func TestServerInfo(t *testing.T) {
	_, api := newTestAPI(t)
	assert.Equal(t, "11.11.0", api.GetServerVersion())
	assert.Nil(t, api.GetLicense())
	assert.NotEmpty(t, api.GetDiagnosticId())
	date, err := api.GetSystemInstallDate()
	require.Nil(t, err)
	assert.NotZero(t, date)
	_, bErr := api.GetBundlePath()
	assert.Error(t, bErr)
}

func TestConfig(t *testing.T) {
	s := NewStore()
	manifest := &model.Manifest{
		Id: "p",
		SettingsSchema: &model.PluginSettingsSchema{Settings: []*model.PluginSetting{
			{Key: "Greeting", Type: "text", Default: "hello"},
			{Key: "AppSecret", Type: "text", Secret: true},
			{Key: "Limit", Type: "number", Default: 5},
		}},
	}
	api := s.NewAPI(manifest, "n")
	s.UpdateConfig(func(c *model.Config) { c.ServiceSettings.SiteURL = model.NewPointer("https://chat.example.com") })
	s.SetPluginSettings("p", map[string]any{"AppSecret": "s3cr3t", "limit": 7})

	var cfg struct {
		Greeting  string
		AppSecret string
		Limit     int
	}
	require.NoError(t, api.LoadPluginConfiguration(&cfg))
	assert.Equal(t, "hello", cfg.Greeting, "manifest default")
	assert.Equal(t, "s3cr3t", cfg.AppSecret, "LoadPluginConfiguration is unsanitized")
	assert.Equal(t, 7, cfg.Limit)

	assert.Equal(t, model.FakeSetting, api.GetPluginConfig()["AppSecret"], "secrets are masked")
	assert.Equal(t, model.FakeSetting, api.GetConfig().PluginSettings.Plugins["p"]["AppSecret"])
	assert.Equal(t, "s3cr3t", api.GetUnsanitizedConfig().PluginSettings.Plugins["p"]["AppSecret"])
	assert.Equal(t, "https://chat.example.com", *api.GetConfig().ServiceSettings.SiteURL)

	// Saving a config read through GetConfig keeps the real secret.
	var changed sync.WaitGroup
	changed.Add(1)
	s.SetEvents(Events{ConfigurationChanged: func(node string) {
		assert.Equal(t, "n", node)
		changed.Done()
	}})
	c := api.GetConfig()
	c.PluginSettings.Plugins["p"]["Greeting"] = "hi"
	require.Nil(t, api.SaveConfig(c))
	changed.Wait()
	assert.Equal(t, "s3cr3t", s.PluginSettings("p")["AppSecret"])
	assert.Equal(t, "hi", s.PluginSettings("p")["Greeting"])
}

func TestUsersAndStatuses(t *testing.T) {
	s, api := newTestAPI(t)
	alice := s.NewUser("Alice")
	admin := s.NewAdmin("root")

	assert.Equal(t, "alice", alice.Username, "usernames are normalized")
	got, err := api.GetUserByUsername("ALICE")
	require.Nil(t, err)
	assert.Equal(t, alice.Id, got.Id)
	got, err = api.GetUserByEmail("alice@example.com")
	require.Nil(t, err)
	assert.Equal(t, alice.Id, got.Id)

	_, err = api.GetUser(model.NewId())
	require.NotNil(t, err)
	assert.Equal(t, http.StatusNotFound, err.StatusCode)

	_, err = api.CreateUser(&model.User{Username: "alice", Email: "other@example.com"})
	require.NotNil(t, err, "duplicate username")
	_, err = api.CreateUser(&model.User{Username: "bad name!", Email: "x@example.com"})
	require.NotNil(t, err, "invalid username")

	users, err := api.GetUsersByUsernames([]string{"alice", "nobody"})
	require.Nil(t, err)
	assert.Len(t, users, 1)

	_, err = api.GetUserStatus(alice.Id)
	require.NotNil(t, err, "no status row before the user connects")
	s.SetStatus(alice.Id, model.StatusOnline)
	st, err := api.GetUserStatus(alice.Id)
	require.Nil(t, err)
	assert.Equal(t, model.StatusOnline, st.Status)

	statuses, _ := api.GetUserStatusesByIds([]string{alice.Id, admin.Id})
	require.Len(t, statuses, 2)
	assert.Equal(t, model.StatusOffline, statuses[1].Status, "missing rows read as offline")

	st, err = api.UpdateUserStatus(alice.Id, model.StatusDnd)
	require.Nil(t, err)
	assert.True(t, st.Manual)
	_, err = api.UpdateUserStatus(alice.Id, "busy")
	require.NotNil(t, err)

	alice.Nickname = "al"
	alice.Roles = model.SystemAdminRoleId // ignored: not a trusted update
	updated, err := api.UpdateUser(alice)
	require.Nil(t, err)
	assert.Equal(t, "al", updated.Nickname)
	assert.Equal(t, model.SystemUserRoleId, updated.Roles)

	assert.True(t, api.HasPermissionTo(admin.Id, model.PermissionManageSystem))
	assert.False(t, api.HasPermissionTo(alice.Id, model.PermissionManageSystem))
	assert.True(t, api.HasPermissionTo(alice.Id, model.PermissionCreateTeam))

	require.Nil(t, api.UpdateUserActive(alice.Id, false))
	assert.False(t, api.HasPermissionTo(alice.Id, model.PermissionCreateTeam), "deactivated users have no permissions")
}

func TestEnsureBotThroughPluginapi(t *testing.T) {
	s := NewStore()
	m := &model.Manifest{Id: "p"}
	bot := &model.Bot{Username: "helpdesk", DisplayName: "Helpdesk", Description: "first"}

	var ids [2]string
	for i, node := range []string{"a", "b"} {
		client := pluginapi.NewClient(s.NewAPI(m, node), nil)
		id, err := client.Bot.EnsureBot(bot, pluginapi.ProfileImageBytes([]byte("png")))
		require.NoError(t, err)
		ids[i] = id
	}
	assert.Equal(t, ids[0], ids[1], "the second node reuses the bot")

	u := s.User(ids[0])
	require.NotNil(t, u)
	assert.True(t, u.IsBot)
	assert.Equal(t, []byte("png"), s.ProfileImage(ids[0]))

	api := s.NewAPI(m, "a")
	b, err := api.GetBot(ids[0], false)
	require.Nil(t, err)
	assert.Equal(t, "p", b.OwnerId, "the plugin owns the bot")

	bot.Description = "second"
	_, ensureErr := pluginapi.NewClient(api, nil).Bot.EnsureBot(bot)
	require.NoError(t, ensureErr)
	b, _ = api.GetBot(ids[0], false)
	assert.Equal(t, "second", b.Description, "EnsureBot patches the existing bot")

	_, err = api.UpdateBotActive(ids[0], false)
	require.Nil(t, err)
	_, err = api.GetBot(ids[0], false)
	assert.NotNil(t, err)
}

func TestTeamsAndChannels(t *testing.T) {
	s, api := newTestAPI(t)
	alice, bob, carol := s.NewUser("alice"), s.NewUser("bob"), s.NewUser("carol")
	team := s.NewTeam("support", alice.Id, bob.Id)

	town, err := api.GetChannelByName(team.Id, model.DefaultChannelName, false)
	require.Nil(t, err, "teams come with town-square")
	assert.True(t, s.IsChannelMember(town.Id, alice.Id), "members join the default channels")

	ch, err := api.CreateChannel(&model.Channel{TeamId: team.Id, Name: "wa-5511", DisplayName: "WhatsApp 5511", Type: model.ChannelTypePrivate})
	require.Nil(t, err)
	_, err = api.CreateChannel(&model.Channel{TeamId: team.Id, Name: "wa-5511", DisplayName: "dup", Type: model.ChannelTypePrivate})
	require.NotNil(t, err, "names are unique per team")
	assert.Equal(t, "store.sql_channel.save_channel.exists.app_error", err.Id)
	_, err = api.CreateChannel(&model.Channel{TeamId: team.Id, Name: "Bad Name", DisplayName: "x", Type: model.ChannelTypeOpen})
	require.NotNil(t, err, "invalid names are rejected")

	got, err := api.GetChannelByNameForTeamName("support", "wa-5511", false)
	require.Nil(t, err)
	assert.Equal(t, ch.Id, got.Id)

	_, err = api.AddChannelMember(ch.Id, carol.Id)
	require.NotNil(t, err, "a user outside the team cannot join its channels")
	_, err = api.AddChannelMember(ch.Id, alice.Id)
	require.Nil(t, err)
	member, err := api.GetChannelMember(ch.Id, alice.Id)
	require.Nil(t, err)
	assert.Contains(t, member.Roles, model.ChannelUserRoleId)

	assert.True(t, api.HasPermissionToChannel(alice.Id, ch.Id, model.PermissionCreatePost))
	assert.False(t, api.HasPermissionToChannel(bob.Id, ch.Id, model.PermissionCreatePost), "bob is not in the private channel")
	assert.True(t, api.HasPermissionToTeam(bob.Id, team.Id, model.PermissionCreatePublicChannel))
	assert.False(t, api.HasPermissionToTeam(carol.Id, team.Id, model.PermissionCreatePublicChannel))

	members, _ := api.GetChannelMembers(ch.Id, 0, 10)
	assert.Len(t, members, 1)
	require.Nil(t, api.DeleteChannelMember(ch.Id, alice.Id))
	_, err = api.GetChannelMember(ch.Id, alice.Id)
	assert.NotNil(t, err)
	assert.NotNil(t, api.DeleteChannelMember(town.Id, alice.Id), "nobody leaves town-square")

	dm, err := api.GetDirectChannel(bob.Id, alice.Id)
	require.Nil(t, err)
	assert.Equal(t, model.GetDMNameFromIds(alice.Id, bob.Id), dm.Name)
	dm2, _ := api.GetDirectChannel(alice.Id, bob.Id)
	assert.Equal(t, dm.Id, dm2.Id)
	chans, _ := api.GetChannelsForTeamForUser(team.Id, alice.Id, false)
	assert.Len(t, chans, 3, "town-square, off-topic and the DM")

	s.UpdateConfig(func(c *model.Config) { c.TeamSettings.MaxChannelsPerTeam = model.NewPointer[int64](4) })
	_, err = api.CreateChannel(&model.Channel{TeamId: team.Id, Name: "fourth", DisplayName: "4", Type: model.ChannelTypeOpen})
	require.Nil(t, err)
	_, err = api.CreateChannel(&model.Channel{TeamId: team.Id, Name: "fifth", DisplayName: "5", Type: model.ChannelTypeOpen})
	require.NotNil(t, err, "the server's channel limit per team applies")
}

func TestPostsAndHooks(t *testing.T) {
	s := NewStore()
	m := &model.Manifest{Id: "p"}
	a, b := s.NewAPI(m, "a"), s.NewAPI(m, "b")
	alice := s.NewUser("alice")
	team := s.NewTeam("team", alice.Id)
	ch := s.NewChannel(team.Id, "chan", model.ChannelTypeOpen, alice.Id)

	var mu sync.Mutex
	var posted, updated, deleted []string
	s.SetEvents(Events{
		MessageWillBePosted: func(_ string, p *model.Post) (*model.Post, string) {
			if p.Message == "forbidden" {
				return nil, "no"
			}
			return nil, ""
		},
		MessageHasBeenPosted: func(node string, p *model.Post) {
			time.Sleep(10 * time.Millisecond) // hooks run after CreatePost returns
			mu.Lock()
			defer mu.Unlock()
			posted = append(posted, node+":"+p.Message)
		},
		MessageHasBeenUpdated: func(node string, p, old *model.Post) {
			mu.Lock()
			defer mu.Unlock()
			updated = append(updated, node+":"+old.Message+"->"+p.Message)
		},
		MessageHasBeenDeleted: func(node string, p *model.Post) {
			mu.Lock()
			defer mu.Unlock()
			deleted = append(deleted, node+":"+p.Id)
		},
	})

	root, err := a.CreatePost(&model.Post{UserId: alice.Id, ChannelId: ch.Id, Message: "hello", FileIds: []string{}})
	require.Nil(t, err)
	assert.True(t, model.IsValidId(root.Id))
	assert.NotZero(t, root.CreateAt)
	mu.Lock()
	assert.Empty(t, posted, "MessageHasBeenPosted is asynchronous")
	mu.Unlock()

	reply, err := b.CreatePost(&model.Post{UserId: alice.Id, ChannelId: ch.Id, RootId: root.Id, Message: "reply", Props: model.StringInterface{"from_bot": true}})
	require.Nil(t, err)
	assert.Equal(t, true, reply.GetProp("from_bot"))

	_, err = a.CreatePost(&model.Post{UserId: alice.Id, ChannelId: ch.Id, Message: "forbidden"})
	require.NotNil(t, err, "MessageWillBePosted can reject")
	_, err = a.CreatePost(&model.Post{UserId: alice.Id, ChannelId: model.NewId(), Message: "x"})
	require.NotNil(t, err, "the channel must exist")
	_, err = a.CreatePost(&model.Post{UserId: alice.Id, ChannelId: ch.Id, RootId: model.NewId(), Message: "x"})
	require.NotNil(t, err, "the root must exist")
	_, err = a.CreatePost(&model.Post{ChannelId: ch.Id, Message: "x"})
	require.NotNil(t, err, "a post needs a user")

	edited := reply.Clone()
	edited.Message = "edited"
	_, err = b.UpdatePost(edited)
	require.Nil(t, err)
	require.Nil(t, a.DeletePost(root.Id))

	require.True(t, s.WaitIdle(5*time.Second))
	mu.Lock()
	assert.ElementsMatch(t, []string{"a:hello", "b:reply"}, posted, "hooks run on the node that posted")
	assert.Equal(t, []string{"b:reply->edited"}, updated)
	assert.Equal(t, []string{"a:" + root.Id}, deleted)
	mu.Unlock()

	_, err = a.GetPost(reply.Id)
	assert.NotNil(t, err, "deleting a root deletes its replies")
	assert.NotNil(t, s.Post(reply.Id))
}

func TestPostLists(t *testing.T) {
	s, api := newTestAPI(t)
	alice := s.NewUser("alice")
	team := s.NewTeam("team", alice.Id)
	ch := s.NewChannel(team.Id, "chan", model.ChannelTypeOpen, alice.Id)

	var ids []string
	for _, msg := range []string{"1", "2", "3", "4", "5"} {
		p, err := api.CreatePost(&model.Post{UserId: alice.Id, ChannelId: ch.Id, Message: msg})
		require.Nil(t, err)
		ids = append(ids, p.Id)
		s.AdvanceClock(time.Millisecond)
	}

	list, err := api.GetPostsForChannel(ch.Id, 0, 2)
	require.Nil(t, err)
	assert.Equal(t, []string{ids[4], ids[3]}, list.Order, "newest first")
	list, _ = api.GetPostsForChannel(ch.Id, 2, 2)
	assert.Equal(t, []string{ids[0]}, list.Order)

	list, _ = api.GetPostsBefore(ch.Id, ids[2], 0, 10)
	assert.Equal(t, []string{ids[1], ids[0]}, list.Order)
	list, _ = api.GetPostsAfter(ch.Id, ids[2], 0, 1)
	assert.Equal(t, []string{ids[3]}, list.Order)

	since := s.Post(ids[2]).CreateAt
	list, _ = api.GetPostsSince(ch.Id, since-1)
	assert.Len(t, list.Order, 3)

	posts := s.Posts(ch.Id)
	require.Len(t, posts, 5)
	assert.Equal(t, "1", posts[0].Message, "Store.Posts is oldest first")

	thread, err := api.GetPostThread(ids[0])
	require.Nil(t, err)
	assert.Equal(t, []string{ids[0]}, thread.Order)
}

func TestEphemeralAndReactions(t *testing.T) {
	s, api := newTestAPI(t)
	alice := s.NewUser("alice")
	team := s.NewTeam("team", alice.Id)
	ch := s.NewChannel(team.Id, "chan", model.ChannelTypeOpen, alice.Id)

	e := api.SendEphemeralPost(alice.Id, &model.Post{ChannelId: ch.Id, Message: "only you"})
	require.NotEmpty(t, e.Id)
	e.Message = "changed"
	api.UpdateEphemeralPost(alice.Id, e)
	api.DeleteEphemeralPost(alice.Id, e.Id)
	got := s.EphemeralPosts(alice.Id)
	require.Len(t, got, 3)
	assert.Equal(t, "only you", got[0].Post.Message)
	assert.Equal(t, model.PostTypeEphemeral, got[0].Post.Type)
	assert.Equal(t, "changed", got[1].Post.Message)
	assert.True(t, got[2].Deleted)

	p, _ := api.CreatePost(&model.Post{UserId: alice.Id, ChannelId: ch.Id, Message: "x"})
	_, err := api.AddReaction(&model.Reaction{UserId: alice.Id, PostId: p.Id, EmojiName: "+1"})
	require.Nil(t, err)
	reactions, _ := api.GetReactions(p.Id)
	require.Len(t, reactions, 1)
	assert.True(t, s.Post(p.Id).HasReactions)
	require.Nil(t, api.RemoveReaction(&model.Reaction{UserId: alice.Id, PostId: p.Id, EmojiName: "+1"}))
	assert.Empty(t, s.Reactions(p.Id))
}

func TestFiles(t *testing.T) {
	s, api := newTestAPI(t)
	alice := s.NewUser("alice")
	team := s.NewTeam("team", alice.Id)
	ch := s.NewChannel(team.Id, "chan", model.ChannelTypeOpen, alice.Id)

	png := []byte("\x89PNG\r\n\x1a\n0000")
	fi, err := api.UploadFile(png, ch.Id, "photo.PNG")
	require.Nil(t, err)
	assert.Equal(t, "photo.PNG", fi.Name)
	assert.Equal(t, "png", fi.Extension)
	assert.Equal(t, "image/png", fi.MimeType)
	assert.EqualValues(t, len(png), fi.Size)
	assert.Equal(t, ch.Id, fi.ChannelId)
	assert.Equal(t, "nouser", fi.CreatorId)

	sniffed, err := api.UploadFile([]byte("%PDF-1.4 ..."), ch.Id, "noext")
	require.Nil(t, err)
	assert.Equal(t, "application/pdf", sniffed.MimeType)

	_, err = api.UploadFile(png, model.NewId(), "x.png")
	require.NotNil(t, err)

	data, err := api.GetFile(fi.Id)
	require.Nil(t, err)
	assert.Equal(t, png, data)

	copies, err := api.CopyFileInfos(alice.Id, []string{fi.Id})
	require.Nil(t, err)
	p, err := api.CreatePost(&model.Post{UserId: alice.Id, ChannelId: ch.Id, FileIds: copies})
	require.Nil(t, err)
	info, err := api.GetFileInfo(copies[0])
	require.Nil(t, err)
	assert.Equal(t, p.Id, info.PostId, "posting attaches the file")
	assert.Equal(t, alice.Id, info.CreatorId)
	assert.Len(t, s.Files(), 3)
}

func TestDialogsNeedTriggerID(t *testing.T) {
	s, api := newTestAPI(t)
	alice := s.NewUser("alice")
	dialog := model.OpenDialogRequest{
		URL:    "/plugins/p/dialog",
		Dialog: model.Dialog{Title: "Close ticket", CallbackId: "c"},
	}

	dialog.TriggerId = "forged"
	require.NotNil(t, api.OpenInteractiveDialog(dialog))

	dialog.TriggerId = s.NewTriggerID(alice.Id)
	require.Nil(t, api.OpenInteractiveDialog(dialog))
	opened := s.Dialogs()
	require.Len(t, opened, 1)
	assert.Equal(t, alice.Id, opened[0].UserID)
}

func TestCommandsWebSocketAndCluster(t *testing.T) {
	s := NewStore()
	m := &model.Manifest{Id: "p"}
	a := s.NewAPI(m, "a")

	require.NoError(t, a.RegisterCommand(&model.Command{Trigger: "/whatsapp", AutoComplete: true}))
	require.Error(t, a.RegisterCommand(&model.Command{Trigger: "two words"}))
	owner, ok := s.CommandOwner("any-team", "whatsapp")
	assert.True(t, ok)
	assert.Equal(t, "p", owner)
	require.NoError(t, a.UnregisterCommand("", "whatsapp"))
	assert.Empty(t, s.Commands())

	a.PublishWebSocketEvent("refresh", map[string]any{"n": 1}, &model.WebsocketBroadcast{UserId: "u"})
	events := s.WebSocketEvents()
	require.Len(t, events, 1)
	assert.Equal(t, "custom_p_refresh", events[0].Type)

	got := make(chan string, 1)
	s.SetEvents(Events{PluginClusterEvent: func(from, pluginID string, ev model.PluginClusterEvent) {
		got <- from + "/" + pluginID + "/" + ev.Id + "/" + string(ev.Data)
	}})
	require.NoError(t, a.PublishPluginClusterEvent(model.PluginClusterEvent{Id: "invalidate", Data: []byte("x")}, model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable}))
	assert.Equal(t, "a/p/invalidate/x", <-got)
	assert.Len(t, s.ClusterEvents(), 1)
}

func TestLogs(t *testing.T) {
	s, api := newTestAPI(t)
	var seen []LogEntry
	s.SetEvents(Events{Log: func(e LogEntry) { seen = append(seen, e) }})

	api.LogInfo("message sent", "conversation_id", "c1", "status", 200)
	api.LogError("odd", "dangling")
	require.Len(t, s.Logs(), 2)
	assert.Len(t, seen, 2)
	assert.Equal(t, "[node-a] INFO com.example.test: message sent conversation_id=c1 status=200\n[node-a] ERROR com.example.test: odd dangling\n", s.LogText())
}

func TestWaitIdleTimesOut(t *testing.T) {
	s := NewStore()
	release := make(chan struct{})
	s.async(func() { <-release })
	assert.False(t, s.WaitIdle(20*time.Millisecond))
	close(release)
	assert.True(t, s.WaitIdle(time.Second))
}

func TestCreatePostAsNeedsPermission(t *testing.T) {
	s := NewStore()
	alice, bob := s.NewUser("alice"), s.NewUser("bob")
	team := s.NewTeam("team", alice.Id, bob.Id)
	ch := s.NewChannel(team.Id, "private", model.ChannelTypePrivate, alice.Id)

	_, err := s.CreatePostAs("n", alice.Id, &model.Post{ChannelId: ch.Id, Message: "ok"})
	require.Nil(t, err)
	_, err = s.CreatePostAs("n", bob.Id, &model.Post{ChannelId: ch.Id, Message: "no"})
	require.NotNil(t, err)
	assert.Equal(t, http.StatusForbidden, err.StatusCode)
}
