package helpdesk

import (
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Person is a customer. Phone is canonical digits (see CanonicalPhone); WaID is what WhatsApp last
// reported, which is the number to send to.
type Person struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	WaID  string `json:"wa_id,omitempty"`
	BSUID string `json:"bsuid,omitempty"`
	Email string `json:"email,omitempty"`
	// NameEdited is set once an agent renames the person: WhatsApp profile names never overwrite it.
	NameEdited bool  `json:"name_edited,omitempty"`
	CreatedAt  int64 `json:"created_at"`
	UpdatedAt  int64 `json:"updated_at"`
}

// People stores customers, findable by canonical phone and by business-scoped user id.
type People struct {
	KV  store.KV
	Now func() time.Time
}

func (pp *People) now() int64 { return pp.Now().UnixMilli() }

// Get loads a person by id.
func (pp *People) Get(id string) (*Person, error) {
	return load[Person](pp.KV, store.PersonKey(id), "person "+id)
}

// FromContact finds or creates the person behind a WhatsApp contact and refreshes what WhatsApp
// knows better than we do (wa_id, BSUID, and the profile name unless an agent edited it).
func (pp *People) FromContact(waID, bsuid, profileName string) (*Person, error) {
	phone := CanonicalPhone(waID)
	if phone == "" && bsuid == "" {
		return nil, errors.New("contact has neither wa_id nor user_id")
	}
	profileName = strings.TrimSpace(profileName)

	id, err := pp.lookup(phone, bsuid)
	if err != nil {
		return nil, err
	}
	if id == "" {
		if id, err = pp.create(phone, waID, bsuid, profileName); err != nil {
			return nil, err
		}
	}
	person, err := store.UpdateJSON(pp.KV, store.PersonKey(id), func(p *Person, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "person %s", id)
		}
		changed := false
		if waID != "" && p.WaID != waID {
			p.WaID, changed = waID, true
		}
		if phone != "" && p.Phone == "" {
			p.Phone, changed = phone, true
		}
		if bsuid != "" && p.BSUID != bsuid {
			p.BSUID, changed = bsuid, true
		}
		if profileName != "" && !p.NameEdited && p.Name != profileName {
			p.Name, changed = profileName, true
		}
		if changed {
			p.UpdatedAt = pp.now()
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	if bsuid != "" {
		if _, err := store.Insert(pp.KV, store.BSUIDKey(bsuid), id, 0); err != nil {
			return nil, err
		}
	}
	return &person, nil
}

func (pp *People) lookup(phone, bsuid string) (string, error) {
	var id string
	if phone != "" {
		if _, err := store.GetJSON(pp.KV, store.PhoneKey(phone), &id); err != nil || id != "" {
			return id, err
		}
	}
	if bsuid != "" {
		if _, err := store.GetJSON(pp.KV, store.BSUIDKey(bsuid), &id); err != nil {
			return "", err
		}
	}
	return id, nil
}

// create writes a new person and claims its phone with insert-if-absent; when another delivery
// claimed the phone first, that person wins and ours is discarded.
func (pp *People) create(phone, waID, bsuid, name string) (string, error) {
	now := pp.now()
	p := Person{ID: model.NewId(), Name: name, Phone: phone, WaID: waID, BSUID: bsuid, CreatedAt: now, UpdatedAt: now}
	if p.Name == "" {
		p.Name = FormatPhone(phone)
	}
	if err := store.SetJSON(pp.KV, store.PersonKey(p.ID), p); err != nil {
		return "", err
	}
	claimKey := store.PhoneKey(phone)
	if phone == "" {
		claimKey = store.BSUIDKey(bsuid)
	}
	won, err := store.Insert(pp.KV, claimKey, p.ID, 0)
	if err != nil {
		return "", err
	}
	if !won {
		_ = pp.KV.Delete(store.PersonKey(p.ID))
		var winner string
		if _, err := store.GetJSON(pp.KV, claimKey, &winner); err != nil {
			return "", err
		}
		return winner, nil
	}
	return p.ID, store.NewIndex(pp.KV, store.PeopleIndexKey()).Add(p.ID)
}

// Create adds a person an agent typed in (from the ticket panel). A phone already known returns
// an error naming the existing person.
func (pp *People) Create(name, phone, email string) (*Person, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, Refuse(ErrInvalid, "error.person_name")
	}
	canon := CanonicalPhone(phone)
	if canon != "" {
		if id, err := pp.lookup(canon, ""); err != nil {
			return nil, err
		} else if id != "" {
			return nil, Refuse(ErrConflict, "error.phone_taken", "Phone", FormatPhone(canon))
		}
	}
	now := pp.now()
	p := &Person{ID: model.NewId(), Name: name, Phone: canon, Email: strings.TrimSpace(email), NameEdited: true, CreatedAt: now, UpdatedAt: now}
	if err := store.SetJSON(pp.KV, store.PersonKey(p.ID), p); err != nil {
		return nil, err
	}
	if canon != "" {
		won, err := store.Insert(pp.KV, store.PhoneKey(canon), p.ID, 0)
		if err != nil {
			return nil, err
		}
		if !won {
			_ = pp.KV.Delete(store.PersonKey(p.ID))
			return nil, Refuse(ErrConflict, "error.phone_taken", "Phone", FormatPhone(canon))
		}
	}
	return p, store.NewIndex(pp.KV, store.PeopleIndexKey()).Add(p.ID)
}

// Rename sets a name an agent chose; later WhatsApp profile names will not replace it.
func (pp *People) Rename(id, name string) (*Person, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, Refuse(ErrInvalid, "error.person_name")
	}
	p, err := store.UpdateJSON(pp.KV, store.PersonKey(id), func(p *Person, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "person %s", id)
		}
		p.Name, p.NameEdited, p.UpdatedAt = name, true, pp.now()
		return true, nil
	})
	return &p, err
}

// Search returns people whose name, phone or email contains q (case-insensitive), at most limit.
func (pp *People) Search(q string, limit int) ([]*Person, error) {
	all, err := loadIndexed(pp.KV, store.PeopleIndexKey(), pp.Get)
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	digits := CanonicalPhone(q)
	out := []*Person{}
	for _, p := range all {
		if q == "" || strings.Contains(strings.ToLower(p.Name), q) || strings.Contains(strings.ToLower(p.Email), q) ||
			(digits != "" && strings.Contains(p.Phone, digits)) {
			out = append(out, p)
			if len(out) >= limit {
				break
			}
		}
	}
	return out, nil
}
