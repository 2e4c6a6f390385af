package helpdesk

import (
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// ErrNoCredits stops a send when the balance is used up.
var ErrNoCredits = errors.New("no credits left")

// CreditBalance is what GET credits and /whatsapp credits show.
type CreditBalance struct {
	Granted      int `json:"granted"`
	Used         int `json:"used"`
	Balance      int `json:"balance"`
	LowThreshold int `json:"low_threshold"`
}

// Low reports whether agents should be warned.
func (b CreditBalance) Low() bool { return b.Balance < b.LowThreshold }

// counters is the one record every send updates with compare-and-set. Holds are the credits of
// sends in flight (hold id -> expiry, Unix ms), so concurrent sends can never overdraw the balance
// and a hold whose node died mid-send returns by itself when it expires.
type counters struct {
	Added int              `json:"added"`
	Used  int              `json:"used"`
	Holds map[string]int64 `json:"holds,omitempty"`
}

// prune drops expired holds and reports whether any was dropped.
func (c *counters) prune(now int64) bool {
	dropped := false
	for id, until := range c.Holds {
		if until <= now {
			delete(c.Holds, id)
			dropped = true
		}
	}
	return dropped
}

// LedgerEntry records one debited message: the audit trail behind the balance.
type LedgerEntry struct {
	ID             string `json:"id"`
	At             int64  `json:"at"`
	ConversationID string `json:"conversation_id,omitempty"`
	AgentID        string `json:"agent_id,omitempty"`
	Kind           string `json:"kind"`
	WAMID          string `json:"wamid"`
	Template       string `json:"template,omitempty"`
}

// Credits debits 1 credit per message the Graph API accepts.
type Credits struct {
	KV           store.KV
	Now          func() time.Time
	Granted      func() int // the setting; admins may add more on top
	LowThreshold func() int
}

// Balance returns the current balance.
func (cr *Credits) Balance() (CreditBalance, error) {
	var c counters
	if _, err := store.GetJSON(cr.KV, store.CreditsKey(), &c); err != nil {
		return CreditBalance{}, err
	}
	return cr.balance(c), nil
}

func (cr *Credits) balance(c counters) CreditBalance {
	granted := cr.Granted() + c.Added
	b := CreditBalance{Granted: granted, Used: c.Used, Balance: granted - c.Used, LowThreshold: cr.LowThreshold()}
	if b.Balance < 0 {
		b.Balance = 0
	}
	return b
}

// Reserve holds one credit under holdID for a send about to happen, or fails with ErrNoCredits.
// The hold lapses after ttl if neither Commit nor Release settles it (its node died).
func (cr *Credits) Reserve(holdID string, ttl time.Duration) error {
	now := cr.Now().UnixMilli()
	_, err := store.UpdateJSON(cr.KV, store.CreditsKey(), func(c *counters, _ bool) (bool, error) {
		c.prune(now)
		if _, held := c.Holds[holdID]; held {
			return false, nil
		}
		if cr.Granted()+c.Added-c.Used-len(c.Holds) <= 0 {
			return false, ErrNoCredits
		}
		if c.Holds == nil {
			c.Holds = map[string]int64{}
		}
		c.Holds[holdID] = now + ttl.Milliseconds()
		return true, nil
	})
	return err
}

// Release returns a held credit: the Graph API refused the send, or it never went out.
// Releasing a hold that is gone (settled or expired) changes nothing.
func (cr *Credits) Release(holdID string) error {
	_, err := store.UpdateJSON(cr.KV, store.CreditsKey(), func(c *counters, _ bool) (bool, error) {
		_, held := c.Holds[holdID]
		delete(c.Holds, holdID)
		return held, nil
	})
	return err
}

// Commit debits a held credit for an accepted message and writes its ledger entry.
func (cr *Credits) Commit(holdID string, entry LedgerEntry) (CreditBalance, error) {
	c, err := store.UpdateJSON(cr.KV, store.CreditsKey(), func(c *counters, _ bool) (bool, error) {
		delete(c.Holds, holdID)
		c.Used++
		return true, nil
	})
	if err != nil {
		return CreditBalance{}, err
	}
	entry.ID, entry.At = model.NewId(), cr.Now().UnixMilli()
	key := store.LedgerKey(entry.At, entry.ID)
	if err := store.SetJSON(cr.KV, key, entry); err != nil {
		return CreditBalance{}, err
	}
	if entry.ConversationID != "" {
		// Listed under its conversation, so an erasure unlinks it without scanning the ledger.
		if err := store.NewIndex(cr.KV, store.ConversationLedgerIndexKey(entry.ConversationID)).Add(key); err != nil {
			return CreditBalance{}, err
		}
	}
	return cr.balance(c), nil
}

// Held reports how many credits sends in flight hold now.
func (cr *Credits) Held() (int, error) {
	var c counters
	if _, err := store.GetJSON(cr.KV, store.CreditsKey(), &c); err != nil {
		return 0, err
	}
	c.prune(cr.Now().UnixMilli())
	return len(c.Holds), nil
}

// Add grants n more credits (system admins).
func (cr *Credits) Add(n int) (CreditBalance, error) {
	if n <= 0 {
		return CreditBalance{}, Refuse(ErrInvalid, "error.credits_positive")
	}
	c, err := store.UpdateJSON(cr.KV, store.CreditsKey(), func(c *counters, _ bool) (bool, error) {
		c.Added += n
		return true, nil
	})
	return cr.balance(c), err
}
