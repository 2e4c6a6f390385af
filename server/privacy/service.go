// Package privacy carries out the LGPD rights a system admin exercises for a customer: export
// everything stored about a person, erase it, and erase closed conversations after the
// retention period. It reaches a person's data through the per-person indexes, and the records
// of each message through its conversation channel's posts.
package privacy

import (
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// API is the part of the Mattermost plugin API the privacy service needs.
type API interface {
	GetPostsForChannel(channelID string, page, perPage int) (*model.PostList, *model.AppError)
	GetPost(postID string) (*model.Post, *model.AppError)
	UpdatePost(post *model.Post) (*model.Post, *model.AppError)
	DeletePost(postID string) *model.AppError
	GetFileInfo(fileID string) (*model.FileInfo, *model.AppError)
	UploadFile(data []byte, channelID, filename string) (*model.FileInfo, *model.AppError)
	GetChannel(channelID string) (*model.Channel, *model.AppError)
	UpdateChannel(channel *model.Channel) (*model.Channel, *model.AppError)
	DeleteChannel(channelID string) *model.AppError
	RestoreChannel(channelID string) *model.AppError
	GetDirectChannel(userID1, userID2 string) (*model.Channel, *model.AppError)
	CreatePost(post *model.Post) (*model.Post, *model.AppError)
	GetUser(userID string) (*model.User, *model.AppError)
	LogInfo(msg string, keyValuePairs ...any)
}

// Service exports and erases people's data. Only system admins may call Export and Erase.
type Service struct {
	API           API
	KV            store.KV
	BotUserID     string
	People        *helpdesk.People
	Conversations *helpdesk.Conversations
	Tickets       *helpdesk.Tickets
	Texts         *l10n.Translator
	Now           func() time.Time
	// IsAdmin tells system admins, the only ones who may export and erase.
	IsAdmin func(userID string) bool
	// Forget makes every node drop what it cached (server/notify).
	Forget Forgetter
}

// Forgetter tells every node to drop what it cached about a person or a conversation.
type Forgetter interface {
	PersonForgotten(personID string)
	ConversationClosed(convID string)
}

// ErrAdminOnly refuses export and erase to anyone but a system admin.
var ErrAdminOnly = helpdesk.Refuse(helpdesk.ErrForbidden, "error.privacy_admin_only")

func (s *Service) authorize(userID string) error {
	if s.IsAdmin == nil || !s.IsAdmin(userID) {
		return ErrAdminOnly
	}
	return nil
}

// ByPhone finds the person a phone number (any common format) belongs to, for admins.
func (s *Service) ByPhone(actorID, phone string) (*helpdesk.Person, error) {
	if err := s.authorize(actorID); err != nil {
		return nil, err
	}
	canon := helpdesk.CanonicalPhone(phone)
	if canon == "" {
		return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.privacy_phone")
	}
	var id string
	if _, err := store.GetJSON(s.KV, s.People.Phones.Key(canon), &id); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, helpdesk.Refuse(helpdesk.ErrNotFound, "error.privacy_no_person", "Phone", helpdesk.FormatPhone(canon))
	}
	return s.People.Get(id)
}

// posts pages through a channel's posts, newest first, calling fn with each page.
func (s *Service) posts(channelID string, fn func(posts []*model.Post) error) error {
	for page := 0; page < 1000; page++ {
		list, appErr := s.API.GetPostsForChannel(channelID, page, 200)
		if appErr != nil {
			return appErr
		}
		var posts []*model.Post
		for _, id := range list.Order {
			posts = append(posts, list.Posts[id])
		}
		if err := fn(posts); err != nil {
			return err
		}
		if len(list.Order) < 200 {
			return nil
		}
	}
	return nil
}
