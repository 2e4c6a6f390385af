package whatsapp

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMediaBudgetHoldsBytesUntilReleased(t *testing.T) {
	b := NewMediaBudget(100)
	first, err := b.take(context.Background(), 60)
	require.NoError(t, err)
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = b.take(short, 60)
	assert.Error(t, err, "60 more do not fit while the first 60 are held")
	small, err := b.take(context.Background(), 40)
	require.NoError(t, err, "40 do")
	small()
	first()
	first() // twice is harmless
	huge, err := b.take(context.Background(), 1000)
	require.NoError(t, err, "a file larger than the budget takes all of it and runs alone")
	_, err = b.take(short, 1)
	assert.Error(t, err)
	huge()
	var none *MediaBudget
	release, err := none.take(context.Background(), 1<<30)
	require.NoError(t, err, "no budget, no bound")
	release()
}
