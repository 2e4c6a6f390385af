package whatsapp

import (
	"context"
	"sync"

	"github.com/pkg/errors"
	"golang.org/x/sync/semaphore"
)

// MediaBudget bounds the bytes of downloaded media a process holds at once. A download holds
// its file's size (from the media info, before any byte is read) from the moment it starts
// until its caller has stored the file and calls Release: the bytes live in one buffer of the
// plugin process, and once more while the server's UploadFile call encodes them, so the budget
// bounds memory whatever arrives. Shared by every client of a node.
type MediaBudget struct {
	sem   *semaphore.Weighted
	bytes int64
}

// NewMediaBudget allows up to bytes of media in memory at once.
func NewMediaBudget(bytes int64) *MediaBudget {
	return &MediaBudget{sem: semaphore.NewWeighted(bytes), bytes: bytes}
}

// take holds size bytes (a file larger than the whole budget holds all of it, so it runs
// alone) and returns the function that gives them back.
func (b *MediaBudget) take(ctx context.Context, size int64) (func(), error) {
	if b == nil {
		return func() {}, nil
	}
	size = min(max(size, 1), b.bytes)
	if err := b.sem.Acquire(ctx, size); err != nil {
		return nil, errors.Wrap(err, "waiting for room for a media download")
	}
	var once sync.Once
	return func() { once.Do(func() { b.sem.Release(size) }) }, nil
}
