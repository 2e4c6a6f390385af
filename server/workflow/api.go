package workflow

import "github.com/mattermost/mattermost/server/public/model"

// API is the part of the Mattermost plugin API the workflow calls; plugin.API and the in-memory
// server/internal/mmfake satisfy it, so the workflow runs in an in-process test.
type API interface {
	AddChannelMember(channelID, userID string) (*model.ChannelMember, *model.AppError)
	CreatePost(post *model.Post) (*model.Post, *model.AppError)
	GetChannelMember(channelID, userID string) (*model.ChannelMember, *model.AppError)
	GetChannelMembers(channelID string, page, perPage int) (model.ChannelMembers, *model.AppError)
	GetDirectChannel(userID1, userID2 string) (*model.Channel, *model.AppError)
	GetFileInfo(fileID string) (*model.FileInfo, *model.AppError)
	GetPost(postID string) (*model.Post, *model.AppError)
	GetPostsForChannel(channelID string, page, perPage int) (*model.PostList, *model.AppError)
	GetUser(userID string) (*model.User, *model.AppError)
	GetUserStatus(userID string) (*model.Status, *model.AppError)
	GetUserStatusesByIds(userIDs []string) ([]*model.Status, *model.AppError)
	HasPermissionTo(userID string, permission *model.Permission) bool
	LogError(msg string, keyValuePairs ...any)
	LogInfo(msg string, keyValuePairs ...any)
	LogWarn(msg string, keyValuePairs ...any)
	UpdatePost(post *model.Post) (*model.Post, *model.AppError)
}
