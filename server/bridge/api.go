package bridge

import "github.com/mattermost/mattermost/server/public/model"

// API is the part of the Mattermost plugin API the bridge calls; plugin.API and the in-memory
// server/internal/mmfake satisfy it, so the bridge runs in an in-process test.
type API interface {
	AddChannelMember(channelID, userID string) (*model.ChannelMember, *model.AppError)
	AddReaction(reaction *model.Reaction) (*model.Reaction, *model.AppError)
	CreateChannel(channel *model.Channel) (*model.Channel, *model.AppError)
	CreatePost(post *model.Post) (*model.Post, *model.AppError)
	GetChannelByName(teamID, name string, includeDeleted bool) (*model.Channel, *model.AppError)
	GetChannelMember(channelID, userID string) (*model.ChannelMember, *model.AppError)
	GetConfig() *model.Config
	GetFile(fileID string) ([]byte, *model.AppError)
	GetFileInfo(fileID string) (*model.FileInfo, *model.AppError)
	GetPost(postID string) (*model.Post, *model.AppError)
	GetPostsForChannel(channelID string, page, perPage int) (*model.PostList, *model.AppError)
	GetPostsSince(channelID string, time int64) (*model.PostList, *model.AppError)
	GetReactions(postID string) ([]*model.Reaction, *model.AppError)
	GetUser(userID string) (*model.User, *model.AppError)
	LogError(msg string, keyValuePairs ...any)
	LogWarn(msg string, keyValuePairs ...any)
	RemoveReaction(reaction *model.Reaction) *model.AppError
	SendEphemeralPost(userID string, post *model.Post) *model.Post
	UpdatePost(post *model.Post) (*model.Post, *model.AppError)
	UploadFile(data []byte, channelID string, filename string) (*model.FileInfo, *model.AppError)
}
