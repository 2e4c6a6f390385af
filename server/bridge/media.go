package bridge

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/metrics"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/wapost"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/whatsapp"
)

// extensionFor names files by WhatsApp's media types (CLOUD_API.md §3.1) without depending on the
// host's mime.types, which differs between machines.
func extensionFor(mimeType string) string {
	base := strings.TrimSpace(strings.SplitN(mimeType, ";", 2)[0])
	switch strings.ToLower(base) {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "video/mp4":
		return ".mp4"
	case "video/3gpp":
		return ".3gp"
	case "audio/ogg":
		return ".ogg"
	case "audio/mpeg":
		return ".mp3"
	case "audio/mp4":
		return ".m4a"
	case "audio/aac":
		return ".aac"
	case "audio/amr":
		return ".amr"
	case "application/pdf":
		return ".pdf"
	case "text/plain":
		return ".txt"
	case "application/msword":
		return ".doc"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return ".docx"
	case "application/vnd.ms-excel":
		return ".xls"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return ".xlsx"
	case "application/vnd.ms-powerpoint":
		return ".ppt"
	case "application/vnd.openxmlformats-officedocument.presentationml.presentation":
		return ".pptx"
	}
	return ""
}

// defaultMediaConcurrency bounds the media transfers one node runs at once (each holds up to
// the server's file size limit in memory).
const defaultMediaConcurrency = 4

// errMediaBusy means every media transfer slot stayed taken while this one waited.
var errMediaBusy = errors.New("too many media transfers at once")

// Media retry policy: transient failures back off from mediaRetryFirst doubling up to
// mediaRetryMax, and give up mediaGiveUpAfter the first failure.
const (
	mediaRetryFirst  = time.Minute
	mediaRetryMax    = time.Hour
	mediaGiveUpAfter = 24 * time.Hour
	// mediaSlotWait is how long a webhook waits for a transfer slot before posting a placeholder.
	mediaSlotWait = 5 * time.Second
)

func (in *Inbound) mediaSlots() chan struct{} {
	in.mediaOnce.Do(func() {
		n := in.MediaConcurrency
		if n <= 0 {
			n = defaultMediaConcurrency
		}
		in.media = make(chan struct{}, n)
	})
	return in.media
}

// maxFileSize is the Mattermost server's file size limit (FileSettings.MaxFileSize).
func (in *Inbound) maxFileSize() int64 {
	if cfg := in.API.GetConfig(); cfg != nil && cfg.FileSettings.MaxFileSize != nil && *cfg.FileSettings.MaxFileSize > 0 {
		return *cfg.FileSettings.MaxFileSize
	}
	return whatsapp.MaxMediaDownloadSize
}

// fetchMedia downloads a media object and stores it as a Mattermost file in the channel. It
// holds one of the node's media transfer slots while it does.
func (in *Inbound) fetchMedia(ctx context.Context, route Route, channelID string, msg *whatsapp.Message, media *whatsapp.Media) (string, error) {
	if route.Graph == nil {
		return "", errors.New("no Graph API client configured")
	}
	wait, cancel := context.WithTimeout(ctx, mediaSlotWait)
	defer cancel()
	select {
	case in.mediaSlots() <- struct{}{}:
		defer func() { <-in.mediaSlots() }()
	case <-wait.Done():
		return "", errMediaBusy
	}
	dl, err := route.Graph.DownloadMediaLimit(ctx, media.ID, in.maxFileSize())
	if err != nil {
		return "", errors.Wrap(err, "failed to download media")
	}
	defer dl.Release()
	name := mediaFilename(msg.Type, media, dl.MimeType, msg.ID)
	info, appErr := in.API.UploadFile(dl.Data, channelID, name)
	if appErr != nil {
		if permanentRefusal(appErr) {
			return "", &permanentMediaError{errors.Wrap(appErr, "Mattermost refused the file")}
		}
		return "", errors.Wrap(appErr, "failed to store media as a file")
	}
	return info.Id, nil
}

// permanentMediaError marks a media failure that no retry can fix.
type permanentMediaError struct{ err error }

func (e *permanentMediaError) Error() string { return e.err.Error() }
func (e *permanentMediaError) Unwrap() error { return e.err }

// permanentMedia tells failures that will never succeed (too large for the server, checksum
// mismatch, a type WhatsApp does not serve, media unknown or expired at Meta: Graph code 100
// or 404) from transient ones (5xx, rate limits, timeouts, busy).
func permanentMedia(err error) bool {
	var perm *permanentMediaError
	switch {
	case err == nil:
		return false
	case errors.As(err, &perm),
		errors.Is(err, whatsapp.ErrMediaTooLarge),
		errors.Is(err, whatsapp.ErrMediaChecksum),
		errors.Is(err, whatsapp.ErrUnsupportedMedia):
		return true
	}
	if ge, ok := whatsapp.AsGraphError(err); ok {
		return !ge.IsAuth() && (ge.Code == 100 || ge.HTTPStatus == http.StatusNotFound || ge.HTTPStatus == http.StatusGone)
	}
	return false
}

// mediaReason is the short reason shown on a placeholder.
func mediaReason(err error) string {
	switch {
	case errors.Is(err, whatsapp.ErrMediaTooLarge):
		return "file too large for this server"
	case errors.Is(err, whatsapp.ErrMediaChecksum):
		return "checksum mismatch"
	case errors.Is(err, whatsapp.ErrUnsupportedMedia):
		return "unsupported media"
	case errors.Is(err, errMediaBusy):
		return "too many transfers at once"
	}
	var perm *permanentMediaError
	if errors.As(err, &perm) {
		return truncate(perm.err.Error(), 200)
	}
	if ge, ok := whatsapp.AsGraphError(err); ok {
		if ge.Code == 100 || ge.HTTPStatus == http.StatusNotFound || ge.HTTPStatus == http.StatusGone {
			return "media expired or unknown at WhatsApp"
		}
		if ge.Code != 0 {
			return "WhatsApp error " + strconv.Itoa(ge.Code)
		}
		return "WhatsApp answered HTTP " + strconv.Itoa(ge.HTTPStatus)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "timed out"
	}
	return "download failed"
}

// resumeMedia finishes a message whose media failed before: the file is posted in the
// placeholder's thread and the placeholder says so. A permanent failure, or a transient one a
// day after the first, ends the tries with the reason on the placeholder; another transient
// failure backs off and keeps the message partial.
func (in *Inbound) resumeMedia(ctx context.Context, route Route, contact whatsapp.Contact, msg *whatsapp.Message, rec helpdesk.MessageRecord) error {
	placeholder, appErr := in.API.GetPost(rec.PostID)
	if appErr != nil {
		if permanentRefusal(appErr) {
			// The placeholder is gone (deleted, erased): nothing is left to complete.
			_ = in.dropMediaRetry(msg.ID)
			return in.Messages.Complete(msg.ID, rec)
		}
		return errors.Wrap(appErr, "failed to load the media placeholder")
	}
	media := msg.MediaObject()
	if media == nil {
		return in.Messages.Complete(msg.ID, rec)
	}
	l := in.Texts.ForServer()
	base := strings.SplitN(placeholder.Message, "\n⏳", 2)[0]
	fileID, err := in.fetchMedia(ctx, route, placeholder.ChannelId, msg, media)
	if err != nil {
		now := in.now()
		job, _ := in.mediaJob(route, contact, msg)
		job.Attempts++
		job.LastError = mediaReason(err)
		giveUp := now.Sub(time.UnixMilli(job.FirstFailedAt)) >= mediaGiveUpAfter
		if permanentMedia(err) || giveUp {
			in.API.LogWarn("WhatsApp media can never be fetched; no more tries", "wamid", msg.ID, "attempts", job.Attempts, "error", err.Error())
			in.count(metrics.MediaRetry, "gave_up")
			id := "inbound.media.failed"
			if !permanentMedia(err) {
				id = "inbound.media.gave_up"
			}
			in.updatePlaceholder(placeholder, base+"\n❌ "+in.Texts.T(l, id, map[string]any{"Reason": mediaReason(err)}), mediaReason(err))
			if err := in.Messages.Complete(msg.ID, rec); err != nil {
				return err
			}
			return in.dropMediaRetry(msg.ID)
		}
		in.API.LogWarn("WhatsApp media still unavailable", "wamid", msg.ID, "attempts", job.Attempts, "error", err.Error())
		job.NextAttemptAt = now.Add(mediaBackoff(job.Attempts)).UnixMilli()
		text := base + "\n⏳ " + in.Texts.T(l, "inbound.media.pending", nil) + " (" + mediaReason(err) + ")"
		if text != placeholder.Message {
			in.updatePlaceholder(placeholder, text, "")
		}
		if err := store.SetJSON(in.KV, store.MediaRetryKey(msg.ID), job); err != nil {
			return err
		}
		return in.Messages.Partial(msg.ID, rec)
	}
	post := &model.Post{UserId: in.BotUserID, ChannelId: placeholder.ChannelId, Type: wapost.InboundPostType, FileIds: model.StringArray{fileID}}
	for k, v := range placeholder.GetProps() {
		post.AddProp(k, v)
	}
	post.DelProp(wapost.PropMediaPending)
	post.Message = base
	post.RootId = placeholder.Id
	if placeholder.RootId != "" {
		post.RootId = placeholder.RootId
	}
	post.AddProp("wa_media_for", placeholder.Id)
	if _, appErr := in.API.CreatePost(post); appErr != nil {
		return errors.Wrap(appErr, "failed to post the late media")
	}
	in.updatePlaceholder(placeholder, base+"\n✅ "+in.Texts.T(l, "inbound.media.arrived", nil), "")
	if err := in.Messages.Complete(msg.ID, rec); err != nil {
		return err
	}
	return in.dropMediaRetry(msg.ID)
}

// updatePlaceholder rewrites a media placeholder's text; failed, when set, ends its pending state.
func (in *Inbound) updatePlaceholder(placeholder *model.Post, text, failed string) {
	updated := placeholder.Clone()
	updated.Message = text
	if failed != "" || !strings.Contains(text, "\n⏳") {
		updated.DelProp(wapost.PropMediaPending)
	}
	if failed != "" {
		updated.AddProp(wapost.PropMediaFailed, failed)
	}
	if _, appErr := in.API.UpdatePost(updated); appErr != nil {
		in.API.LogWarn("Could not update the media placeholder", "post_id", placeholder.Id, "error", appErr.Error())
	}
}

// mediaBackoff is the wait after the n-th failed attempt.
func mediaBackoff(attempts int) time.Duration {
	d := mediaRetryFirst
	for i := 1; i < attempts && d < mediaRetryMax; i++ {
		d *= 2
	}
	return min(d, mediaRetryMax)
}
