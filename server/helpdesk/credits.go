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

// counters is the one record every send updates with compare-and-set: Reserved counts sends in
// flight so that concurrent sends can never overdraw the balance.
type counters struct {
	Added    int `json:"added"`
	Used     int `json:"used"`
	Reserved int `json:"reserved"`
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

// Reserve holds one credit for a send about to happen, or fails with ErrNoCredits.
func (cr *Credits) Reserve() error {
	_, err := store.UpdateJSON(cr.KV, store.CreditsKey(), func(c *counters, _ bool) (bool, error) {
		if cr.Granted()+c.Added-c.Used-c.Reserved <= 0 {
			return false, ErrNoCredits
		}
		c.Reserved++
		return true, nil
	})
	return err
}

// Release returns a reserved credit after a send the Graph API refused.
func (cr *Credits) Release() error {
	_, err := store.UpdateJSON(cr.KV, store.CreditsKey(), func(c *counters, _ bool) (bool, error) {
		if c.Reserved > 0 {
			c.Reserved--
		}
		return true, nil
	})
	return err
}

// Commit debits a reserved credit for an accepted message and writes its ledger entry.
func (cr *Credits) Commit(entry LedgerEntry) (CreditBalance, error) {
	c, err := store.UpdateJSON(cr.KV, store.CreditsKey(), func(c *counters, _ bool) (bool, error) {
		if c.Reserved > 0 {
			c.Reserved--
		}
		c.Used++
		return true, nil
	})
	if err != nil {
		return CreditBalance{}, err
	}
	entry.ID, entry.At = model.NewId(), cr.Now().UnixMilli()
	if err := store.SetJSON(cr.KV, store.LedgerKey(entry.At, entry.ID), entry); err != nil {
		return CreditBalance{}, err
	}
	return cr.balance(c), nil
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
