package bridge

import (
	"context"

	"github.com/pkg/errors"
)

// UploadHeaderFile uploads a file an agent attached in Mattermost to the Graph media endpoint of
// a chat group's number, for a template's media header; it answers the media id and the file's
// name. WhatsApp's type and size limits are checked before anything is uploaded.
func (o *Outbound) UploadHeaderFile(ctx context.Context, route Route, fileID string) (mediaID, filename string, err error) {
	files, err := o.loadFiles([]string{fileID})
	if err != nil {
		return "", "", err
	}
	f := files[0]
	mediaID, err = route.Graph.UploadMedia(ctx, f.info.Name, f.info.MimeType, f.data)
	if err != nil {
		return "", "", errors.Wrapf(err, "failed to upload %s", f.info.Name)
	}
	return mediaID, f.info.Name, nil
}
