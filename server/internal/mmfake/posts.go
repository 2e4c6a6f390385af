package mmfake

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/mattermost/mattermost/server/public/model"
)

type postRecord struct {
	post *model.Post
	seq  int64
}

// Default of ServiceSettings.MaxPostSize on a current database.
const maxPostSize = model.PostMessageMaxRunesV2

// CreatePost stores a post and fires MessageHasBeenPosted on this API's node after
// MessageWillBePosted had its say, like the server's CreatePost.
func (a *API) CreatePost(post *model.Post) (*model.Post, *model.AppError) {
	return a.store.createPost(a.node, post)
}

func (s *Store) createPost(node string, post *model.Post) (*model.Post, *model.AppError) {
	if post == nil {
		return nil, appError("CreatePost", "api.post.create_post.invalid", http.StatusBadRequest, "nil post")
	}
	if post.Id != "" {
		return nil, appError("CreatePost", "store.sql_post.save.existing.app_error", http.StatusBadRequest, "post id must be empty")
	}
	if err := s.checkNewPost(post); err != nil {
		return nil, err
	}

	p := post.Clone()
	ev := s.getEvents()
	if ev.MessageWillBePosted != nil {
		replacement, reason := ev.MessageWillBePosted(node, p.Clone())
		if reason != "" {
			return nil, model.NewAppError("CreatePost", "Post rejected by plugin. "+reason, nil, "", http.StatusBadRequest)
		}
		if replacement != nil {
			p = replacement.Clone()
		}
	}

	s.mu.Lock()
	if err := s.checkNewPostLocked(p); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	p.Id = ""
	p.CreateAt = cmp.Or(p.CreateAt, s.nowMillis())
	p.PreSave()
	if err := p.IsValid(maxPostSize); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.posts[p.Id] = &postRecord{post: p, seq: s.nextSeq()}
	for _, id := range p.FileIds {
		if fi, ok := s.files[id]; ok && fi.PostId == "" {
			fi.PostId, fi.ChannelId = p.Id, p.ChannelId
		}
	}
	if ch := s.channels[p.ChannelId]; ch != nil {
		ch.LastPostAt = p.CreateAt
		ch.TotalMsgCount++
		if p.RootId == "" {
			ch.LastRootPostAt = p.CreateAt
		}
	}
	if root := s.posts[p.RootId]; root != nil {
		root.post.ReplyCount++
	}
	saved := p.Clone()
	s.mu.Unlock()

	if ev.MessageHasBeenPosted != nil {
		forHook := saved.ForPlugin()
		s.async(func() { ev.MessageHasBeenPosted(node, forHook) })
	}
	return saved, nil
}

func (s *Store) checkNewPost(p *model.Post) *model.AppError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkNewPostLocked(p)
}

// checkNewPostLocked applies the server's checks that need data: the channel exists and is
// not archived, and a reply's root exists in the same channel. Caller holds mu.
func (s *Store) checkNewPostLocked(p *model.Post) *model.AppError {
	ch, ok := s.channels[p.ChannelId]
	if !ok {
		return appError("CreatePost", "api.post.create_post.channel_not_found", http.StatusBadRequest, "channel_id="+p.ChannelId)
	}
	if ch.DeleteAt != 0 {
		return appError("CreatePost", "api.post.create_post.can_not_post_to_deleted.error", http.StatusBadRequest, "channel_id="+p.ChannelId)
	}
	if p.RootId != "" {
		root, ok := s.posts[p.RootId]
		if !ok || root.post.DeleteAt != 0 || root.post.ChannelId != p.ChannelId {
			return appError("CreatePost", "api.post.create_post.root_id.app_error", http.StatusBadRequest, "root_id="+p.RootId)
		}
		if root.post.RootId != "" {
			return appError("CreatePost", "api.post.create_post.root_id.app_error", http.StatusBadRequest, "root_id is a reply")
		}
	}
	return nil
}

// CreatePostAs stores a post as written by userID through a client connected to node:
// like the REST API it requires the create_post permission in the channel, and hooks fire
// on that node.
func (s *Store) CreatePostAs(node, userID string, post *model.Post) (*model.Post, *model.AppError) {
	if post == nil {
		return nil, appError("CreatePost", "api.post.create_post.invalid", http.StatusBadRequest, "nil post")
	}
	if !s.hasPermissionToChannel(userID, post.ChannelId, model.PermissionCreatePost) {
		return nil, appError("CreatePost", "api.context.permissions.app_error", http.StatusForbidden, "user_id="+userID+" channel_id="+post.ChannelId)
	}
	p := post.Clone()
	p.UserId = userID
	return s.createPost(node, p)
}

func postNotFound(where, id string) *model.AppError {
	return appError(where, "app.post.get.app_error", http.StatusNotFound, "post_id="+id)
}

func (a *API) GetPost(postID string) (*model.Post, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.posts[postID]
	if !ok || r.post.DeleteAt != 0 {
		return nil, postNotFound("GetPost", postID)
	}
	return r.post.ForPlugin(), nil
}

// UpdatePost applies message, props, file ids, pinned state and attachments to an
// existing post, running MessageWillBeUpdated then MessageHasBeenUpdated on this node.
func (a *API) UpdatePost(post *model.Post) (*model.Post, *model.AppError) {
	if post == nil {
		return nil, appError("UpdatePost", "api.post.update_post.find.app_error", http.StatusBadRequest, "nil post")
	}
	s := a.store
	s.mu.Lock()
	r, ok := s.posts[post.Id]
	if !ok {
		s.mu.Unlock()
		return nil, postNotFound("UpdatePost", post.Id)
	}
	if r.post.DeleteAt != 0 {
		s.mu.Unlock()
		return nil, appError("UpdatePost", "api.post.update_post.permissions_details.app_error", http.StatusBadRequest, "post is deleted")
	}
	old := r.post.Clone()
	s.mu.Unlock()

	updated := old.Clone()
	updated.Message = post.Message
	updated.IsPinned = post.IsPinned
	updated.FileIds = post.FileIds
	updated.SetProps(post.GetProps())
	updated.Hashtags = post.Hashtags

	ev := s.getEvents()
	if ev.MessageWillBeUpdated != nil {
		replacement, reason := ev.MessageWillBeUpdated(a.node, updated.Clone(), old.ForPlugin())
		if reason != "" {
			return nil, model.NewAppError("UpdatePost", "Post rejected by plugin. "+reason, nil, "", http.StatusBadRequest)
		}
		if replacement != nil {
			updated = replacement.Clone()
		}
	}

	s.mu.Lock()
	r, ok = s.posts[post.Id]
	if !ok || r.post.DeleteAt != 0 {
		s.mu.Unlock()
		return nil, postNotFound("UpdatePost", post.Id)
	}
	now := s.nowMillis()
	if updated.Message != old.Message {
		updated.EditAt = now
	}
	updated.Id, updated.CreateAt, updated.UserId, updated.ChannelId, updated.RootId = old.Id, old.CreateAt, old.UserId, old.ChannelId, old.RootId
	updated.UpdateAt = now
	updated.PreCommit()
	if err := updated.IsValid(maxPostSize); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	r.post = updated
	saved := updated.Clone()
	s.mu.Unlock()

	if ev.MessageHasBeenUpdated != nil {
		newForHook, oldForHook := saved.ForPlugin(), old.ForPlugin()
		s.async(func() { ev.MessageHasBeenUpdated(a.node, newForHook, oldForHook) })
	}
	return saved, nil
}

// DeletePost soft-deletes a post (and a root's replies) with their files' infos and fires
// MessageHasBeenDeleted.
func (a *API) DeletePost(postID string) *model.AppError {
	s := a.store
	s.mu.Lock()
	r, ok := s.posts[postID]
	if !ok || r.post.DeleteAt != 0 {
		s.mu.Unlock()
		return postNotFound("DeletePost", postID)
	}
	now := s.nowMillis()
	for _, other := range s.posts {
		if other.post.Id == postID || (r.post.RootId == "" && other.post.RootId == postID) {
			other.post.DeleteAt, other.post.UpdateAt = now, now
			// Like the server's deletePostFiles (FileInfo().DeleteForPost): the post's file infos
			// are soft-deleted with it, so GetFileInfo and GetFile no longer find them.
			for _, fi := range s.files {
				if fi.PostId == other.post.Id && fi.DeleteAt == 0 {
					fi.DeleteAt, fi.UpdateAt = now, now
				}
			}
		}
	}
	deleted := r.post.ForPlugin()
	ev := s.events
	s.mu.Unlock()

	if ev.MessageHasBeenDeleted != nil {
		s.async(func() { ev.MessageHasBeenDeleted(a.node, deleted) })
	}
	return nil
}

// channelPosts returns a channel's posts newest first. Caller holds mu.
func (s *Store) channelPosts(channelID string, keep func(*model.Post) bool) []*postRecord {
	var out []*postRecord
	for _, r := range s.posts {
		if r.post.ChannelId == channelID && keep(r.post) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *postRecord) int {
		return cmp.Or(cmp.Compare(b.post.CreateAt, a.post.CreateAt), cmp.Compare(b.seq, a.seq))
	})
	return out
}

func postList(records []*postRecord) *model.PostList {
	list := model.NewPostList()
	for _, r := range records {
		list.AddPost(r.post.ForPlugin())
		list.AddOrder(r.post.Id)
	}
	return list
}

func alive(p *model.Post) bool { return p.DeleteAt == 0 }

func (a *API) GetPostThread(postID string) (*model.PostList, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.posts[postID]
	if !ok || r.post.DeleteAt != 0 {
		return nil, postNotFound("GetPostThread", postID)
	}
	rootID := cmp.Or(r.post.RootId, r.post.Id)
	return postList(s.channelPosts(r.post.ChannelId, func(p *model.Post) bool {
		return alive(p) && (p.Id == rootID || p.RootId == rootID)
	})), nil
}

func (a *API) GetPostsForChannel(channelID string, page, perPage int) (*model.PostList, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return postList(pageOf(s.channelPosts(channelID, alive), page*perPage, perPage)), nil
}

// GetPostsSince returns posts created, edited or deleted after time (milliseconds).
func (a *API) GetPostsSince(channelID string, time int64) (*model.PostList, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	return postList(s.channelPosts(channelID, func(p *model.Post) bool {
		return p.UpdateAt > time || p.DeleteAt > time
	})), nil
}

func (s *Store) postsAround(channelID, postID string, page, perPage int, before bool) (*model.PostList, *model.AppError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.channelPosts(channelID, alive)
	i := slices.IndexFunc(all, func(r *postRecord) bool { return r.post.Id == postID })
	if i < 0 {
		return nil, postNotFound("GetPostsAround", postID)
	}
	var side []*postRecord
	if before { // older posts come after it in newest-first order
		side = all[i+1:]
	} else {
		side = slices.Clone(all[:i])
		slices.Reverse(side) // page outward from the anchor, then restore newest first
		side = pageOf(side, page*perPage, perPage)
		slices.Reverse(side)
		return postList(side), nil
	}
	return postList(pageOf(side, page*perPage, perPage)), nil
}

func (a *API) GetPostsBefore(channelID, postID string, page, perPage int) (*model.PostList, *model.AppError) {
	return a.store.postsAround(channelID, postID, page, perPage, true)
}

func (a *API) GetPostsAfter(channelID, postID string, page, perPage int) (*model.PostList, *model.AppError) {
	return a.store.postsAround(channelID, postID, page, perPage, false)
}

// Posts returns a channel's posts oldest first, deleted ones excluded.
func (s *Store) Posts(channelID string) []*model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	records := s.channelPosts(channelID, alive)
	out := make([]*model.Post, len(records))
	for i, r := range records {
		out[len(records)-1-i] = r.post.Clone()
	}
	return out
}

// Post returns any stored post, deleted or not, or nil.
func (s *Store) Post(postID string) *model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.posts[postID]; ok {
		return r.post.Clone()
	}
	return nil
}

// Ephemeral posts.

// EphemeralPost is an ephemeral post as last sent, updated or deleted for a user.
type EphemeralPost struct {
	Node    string
	UserID  string
	Post    *model.Post
	Deleted bool
}

func (a *API) SendEphemeralPost(userID string, post *model.Post) *model.Post {
	if post == nil {
		return nil
	}
	p := post.Clone()
	if p.Id == "" {
		p.Id = model.NewId()
	}
	p.Type = model.PostTypeEphemeral
	p.CreateAt = cmp.Or(p.CreateAt, a.store.Now().UnixMilli())
	p.UpdateAt = p.CreateAt
	p.PreCommit()
	a.store.putEphemeral(a.node, userID, p, false)
	return p.Clone()
}

func (a *API) UpdateEphemeralPost(userID string, post *model.Post) *model.Post {
	if post == nil {
		return nil
	}
	p := post.Clone()
	p.Type = model.PostTypeEphemeral
	p.UpdateAt = a.store.Now().UnixMilli()
	p.PreCommit()
	a.store.putEphemeral(a.node, userID, p, false)
	return p.Clone()
}

func (a *API) DeleteEphemeralPost(userID, postID string) {
	a.store.putEphemeral(a.node, userID, &model.Post{Id: postID, Type: model.PostTypeEphemeral}, true)
}

// putEphemeral appends to the user's ephemeral log; updates and deletes are new entries so
// a test can see the sequence.
func (s *Store) putEphemeral(node, userID string, p *model.Post, deleted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ephemeralLog = append(s.ephemeralLog, EphemeralPost{Node: node, UserID: userID, Post: p, Deleted: deleted})
}

// EphemeralPosts returns what was sent, updated or deleted for a user, in order.
func (s *Store) EphemeralPosts(userID string) []EphemeralPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []EphemeralPost
	for _, e := range s.ephemeralLog {
		if e.UserID == userID {
			e.Post = e.Post.Clone()
			out = append(out, e)
		}
	}
	return out
}

// Reactions.

func (a *API) AddReaction(reaction *model.Reaction) (*model.Reaction, *model.AppError) {
	if reaction == nil {
		return nil, appError("AddReaction", "model.reaction.is_valid.post_id.app_error", http.StatusBadRequest, "nil reaction")
	}
	s := a.store
	s.mu.Lock()
	r := *reaction
	r.CreateAt = s.nowMillis()
	r.PreSave()
	if err := r.IsValid(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	rec, ok := s.posts[r.PostId]
	if !ok || rec.post.DeleteAt != 0 {
		s.mu.Unlock()
		return nil, postNotFound("AddReaction", r.PostId)
	}
	r.ChannelId = rec.post.ChannelId
	list := s.reactions[r.PostId]
	if !slices.ContainsFunc(list, func(x *model.Reaction) bool { return x.UserId == r.UserId && x.EmojiName == r.EmojiName }) {
		s.reactions[r.PostId] = append(list, &r)
	}
	rec.post.HasReactions = true
	ev := s.events
	s.mu.Unlock()

	if ev.ReactionHasBeenAdded != nil {
		c := r
		s.async(func() { ev.ReactionHasBeenAdded(a.node, &c) })
	}
	out := r
	return &out, nil
}

func (a *API) RemoveReaction(reaction *model.Reaction) *model.AppError {
	if reaction == nil {
		return appError("RemoveReaction", "model.reaction.is_valid.post_id.app_error", http.StatusBadRequest, "nil reaction")
	}
	s := a.store
	s.mu.Lock()
	list := s.reactions[reaction.PostId]
	i := slices.IndexFunc(list, func(x *model.Reaction) bool {
		return x.UserId == reaction.UserId && x.EmojiName == reaction.EmojiName
	})
	if i < 0 {
		s.mu.Unlock()
		return appError("RemoveReaction", "app.reaction.delete_all_with_emoji_name.get_reactions.app_error", http.StatusNotFound, "post_id="+reaction.PostId)
	}
	removed := *list[i]
	s.reactions[reaction.PostId] = slices.Delete(list, i, i+1)
	if rec, ok := s.posts[reaction.PostId]; ok {
		rec.post.HasReactions = len(s.reactions[reaction.PostId]) > 0
	}
	ev := s.events
	s.mu.Unlock()

	if ev.ReactionHasBeenRemoved != nil {
		s.async(func() { ev.ReactionHasBeenRemoved(a.node, &removed) })
	}
	return nil
}

func (a *API) GetReactions(postID string) ([]*model.Reaction, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.Reaction{}
	for _, r := range s.reactions[postID] {
		c := *r
		out = append(out, &c)
	}
	return out, nil
}
