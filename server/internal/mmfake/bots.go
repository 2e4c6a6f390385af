package mmfake

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/mattermost/mattermost/server/public/model"
)

// botUserKey is the KV key under which the server remembers a plugin's bot (EnsureBotUser).
const botUserKey = "mmi_botid"

func botNotFound(id string) *model.AppError {
	return model.MakeBotNotFoundError("SqlBotStore.Get", id)
}

// createBot stores a bot and its user. Caller holds mu.
func (s *Store) createBot(bot *model.Bot) (*model.Bot, *model.AppError) {
	if bot == nil {
		return nil, appError("CreateBot", "model.bot.is_valid.username.app_error", http.StatusBadRequest, "nil bot")
	}
	b := bot.Clone()
	if err := b.IsValidCreate(); err != nil {
		return nil, err
	}
	u := model.UserFromBot(b)
	u.IsBot = true
	saved, err := s.createUser("CreateBot", u)
	if err != nil {
		return nil, err
	}
	b.UserId = saved.Id
	b.PreSave()
	b.CreateAt = s.nowMillis()
	b.UpdateAt = b.CreateAt
	s.bots[b.UserId] = b
	return b.Clone(), nil
}

// CreateBot makes the plugin the owner when OwnerId is empty, as the server does.
func (a *API) CreateBot(bot *model.Bot) (*model.Bot, *model.AppError) {
	if bot != nil && bot.OwnerId == "" {
		bot = bot.Clone()
		bot.OwnerId = a.pluginID
	}
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.createBot(bot)
}

func (a *API) GetBot(botUserID string, includeDeleted bool) (*model.Bot, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bots[botUserID]
	if !ok || (!includeDeleted && b.DeleteAt != 0) {
		return nil, botNotFound(botUserID)
	}
	return b.Clone(), nil
}

func (a *API) GetBots(options *model.BotGetOptions) ([]*model.Bot, *model.AppError) {
	if options == nil {
		options = &model.BotGetOptions{PerPage: 60}
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*model.Bot
	for _, b := range s.bots {
		if (options.OwnerId != "" && b.OwnerId != options.OwnerId) || (!options.IncludeDeleted && b.DeleteAt != 0) {
			continue
		}
		out = append(out, b.Clone())
	}
	slices.SortFunc(out, func(x, y *model.Bot) int { return strings.Compare(x.Username, y.Username) })
	perPage := options.PerPage
	if perPage <= 0 {
		perPage = 60
	}
	return pageOf(out, options.Page*perPage, perPage), nil
}

// patchBot mirrors the server: the bot and its user change together. Caller holds mu.
func (s *Store) patchBot(botUserID string, patch *model.BotPatch) (*model.Bot, *model.AppError) {
	b, ok := s.bots[botUserID]
	if !ok {
		return nil, botNotFound(botUserID)
	}
	if !b.WouldPatch(patch) {
		return b.Clone(), nil
	}
	patched := b.Clone()
	patched.Patch(patch)
	patched.Username = model.NormalizeUsername(patched.Username)
	if err := patched.IsValidCreate(); err != nil {
		return nil, err
	}
	if other := s.userBy(func(u *model.User) bool { return u.Username == patched.Username }); other != nil && other.Id != botUserID {
		return nil, appError("PatchBot", "app.user.save.username_exists.app_error", http.StatusBadRequest, "username="+patched.Username)
	}
	patched.UpdateAt = s.nowMillis()
	s.bots[botUserID] = patched
	if u, ok := s.users[botUserID]; ok {
		from := model.UserFromBot(patched)
		u.Username, u.Email, u.FirstName, u.UpdateAt = from.Username, from.Email, from.FirstName, patched.UpdateAt
	}
	return patched.Clone(), nil
}

func (a *API) PatchBot(botUserID string, botPatch *model.BotPatch) (*model.Bot, *model.AppError) {
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	return a.store.patchBot(botUserID, botPatch)
}

func (a *API) UpdateBotActive(botUserID string, active bool) (*model.Bot, *model.AppError) {
	if err := a.UpdateUserActive(botUserID, active); err != nil {
		return nil, err
	}
	return a.GetBot(botUserID, true)
}

func (a *API) PermanentDeleteBot(botUserID string) *model.AppError {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.bots[botUserID]; !ok {
		return botNotFound(botUserID)
	}
	delete(s.bots, botUserID)
	delete(s.users, botUserID)
	return nil
}

// EnsureBotUser follows the server's App.EnsureBot: reuse the bot remembered under the
// plugin's mmi_botid key (patching its profile), else adopt a user with that username, else
// create the bot, and remember it.
func (a *API) EnsureBotUser(bot *model.Bot) (string, error) {
	if bot == nil {
		return "", errors.New("passed a nil bot")
	}
	if bot.Username == "" {
		return "", errors.New("passed a bot with no username")
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()

	if id, ok := s.kvGet(a.pluginID, botUserKey); ok {
		if _, exists := s.bots[string(id)]; exists {
			patch := &model.BotPatch{Username: &bot.Username, DisplayName: &bot.DisplayName, Description: &bot.Description}
			if _, err := s.patchBot(string(id), patch); err != nil {
				return "", errors.Wrap(err, "failed to patch bot")
			}
			return string(id), nil
		}
	}

	username := model.NormalizeUsername(bot.Username)
	if u := s.userBy(func(u *model.User) bool { return u.Username == username }); u != nil {
		if u.IsBot {
			s.kvPut(a.pluginID, botUserKey, []byte(u.Id), 0)
		}
		return u.Id, nil
	}

	b := bot.Clone()
	if b.OwnerId == "" {
		b.OwnerId = a.pluginID
	}
	created, err := s.createBot(b)
	if err != nil {
		return "", errors.Wrap(err, "failed to create bot")
	}
	s.kvPut(a.pluginID, botUserKey, []byte(created.UserId), 0)
	return created.UserId, nil
}
