package mmfake

import (
	"bytes"
	"cmp"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

func cloneFileInfo(fi *model.FileInfo) *model.FileInfo {
	c := *fi
	return &c
}

// UploadFile stores data as a file in a channel. Like the server's plugin API the creator
// is "nouser", the channel must exist and FileSettings.MaxFileSize applies. The MIME type
// comes from the extension, else from sniffing the content.
func (a *API) UploadFile(data []byte, channelID, filename string) (*model.FileInfo, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[channelID]; !ok {
		return nil, appError("UploadFile", "api.file.upload_file.incorrect_channelId.app_error", http.StatusBadRequest, "channel_id="+channelID)
	}
	if limit := s.config.FileSettings.MaxFileSize; limit != nil && int64(len(data)) > *limit {
		return nil, appError("UploadFile", "api.file.upload_file.too_large_detailed.app_error", http.StatusRequestEntityTooLarge, "name="+filename)
	}
	return cloneFileInfo(s.putFile(data, channelID, "nouser", filename)), nil
}

// putFile stores a new file. Caller holds mu.
func (s *Store) putFile(data []byte, channelID, creatorID, filename string) *model.FileInfo {
	filename = filepath.Base(filename)
	fi := model.NewInfo(filename)
	if fi.MimeType == "" {
		fi.MimeType = http.DetectContentType(data)
	}
	if i := strings.Index(fi.MimeType, ";"); i >= 0 && !strings.HasPrefix(fi.MimeType, "text/") {
		fi.MimeType = fi.MimeType[:i]
	}
	fi.Id = model.NewId()
	fi.ChannelId = channelID
	fi.CreatorId = creatorID
	fi.Size = int64(len(data))
	fi.CreateAt = s.nowMillis()
	fi.UpdateAt = fi.CreateAt
	fi.Path = "data/" + fi.Id + "/" + filename
	s.files[fi.Id] = fi
	s.fileData[fi.Id] = bytes.Clone(data)
	s.fileOrder = append(s.fileOrder, fi.Id)
	return fi
}

// AddFile stores a file as uploaded by a user (a test stand-in for the web client).
func (s *Store) AddFile(data []byte, channelID, userID, filename string) *model.FileInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneFileInfo(s.putFile(data, channelID, userID, filename))
}

func fileNotFound(where, id string) *model.AppError {
	return appError(where, "app.file_info.get.app_error", http.StatusNotFound, "file_id="+id)
}

func (a *API) GetFileInfo(fileID string) (*model.FileInfo, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, ok := s.files[fileID]
	if !ok || fi.DeleteAt != 0 {
		return nil, fileNotFound("GetFileInfo", fileID)
	}
	return cloneFileInfo(fi), nil
}

func (a *API) GetFile(fileID string) ([]byte, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.fileData[fileID]
	if fi := s.files[fileID]; !ok || fi == nil || fi.DeleteAt != 0 {
		// The server reads the info first (FileInfo().Get skips deleted ones).
		return nil, fileNotFound("GetFile", fileID)
	}
	return bytes.Clone(data), nil
}

// GetFileInfos filters on ChannelIds and UserIds and sorts newest first.
func (a *API) GetFileInfos(page, perPage int, opt *model.GetFileInfosOptions) ([]*model.FileInfo, *model.AppError) {
	if opt == nil {
		opt = &model.GetFileInfosOptions{}
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*model.FileInfo
	for _, fi := range s.files {
		if (len(opt.ChannelIds) > 0 && !slices.Contains(opt.ChannelIds, fi.ChannelId)) ||
			(len(opt.UserIds) > 0 && !slices.Contains(opt.UserIds, fi.CreatorId)) ||
			(!opt.IncludeDeleted && fi.DeleteAt != 0) {
			continue
		}
		out = append(out, cloneFileInfo(fi))
	}
	slices.SortFunc(out, func(a, b *model.FileInfo) int {
		return cmp.Or(cmp.Compare(b.CreateAt, a.CreateAt), strings.Compare(a.Id, b.Id))
	})
	return pageOf(out, page*perPage, perPage), nil
}

// CopyFileInfos duplicates files for reuse in a new post, owned by userID.
func (a *API) CopyFileInfos(userID string, fileIDs []string) ([]string, *model.AppError) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(fileIDs))
	for _, id := range fileIDs {
		fi, ok := s.files[id]
		if !ok {
			return nil, fileNotFound("CopyFileInfos", id)
		}
		c := cloneFileInfo(fi)
		c.Id = model.NewId()
		c.CreatorId = userID
		c.PostId = ""
		c.CreateAt = s.nowMillis()
		c.UpdateAt = c.CreateAt
		s.files[c.Id] = c
		s.fileData[c.Id] = s.fileData[id]
		s.fileOrder = append(s.fileOrder, c.Id)
		out = append(out, c.Id)
	}
	return out, nil
}

// Files returns every stored file's info, oldest first.
func (s *Store) Files() []*model.FileInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*model.FileInfo, 0, len(s.fileOrder))
	for _, id := range s.fileOrder {
		out = append(out, cloneFileInfo(s.files[id]))
	}
	return out
}

// FileData returns a stored file's content, or nil.
func (s *Store) FileData(fileID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.fileData[fileID])
}
