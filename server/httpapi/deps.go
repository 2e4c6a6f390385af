package httpapi

import "github.com/mattermost/mattermost/server/public/model"

// PluginAPI is the part of the Mattermost plugin API the HTTP edge calls: reading the post a
// button belongs to, naming users, and logging the failures it answers with 500.
type PluginAPI interface {
	GetPost(postID string) (*model.Post, *model.AppError)
	GetUser(userID string) (*model.User, *model.AppError)
	LogError(msg string, keyValuePairs ...any)
}
