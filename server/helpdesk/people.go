package helpdesk

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	// Organization and Notes are what agents record about the customer (PATCH people/{id}).
	Organization string `json:"organization,omitempty"`
	Notes        string `json:"notes,omitempty"`
	// NameEdited is set once an agent renames the person: WhatsApp profile names never overwrite it.
	NameEdited bool  `json:"name_edited,omitempty"`
	CreatedAt  int64 `json:"created_at"`
	UpdatedAt  int64 `json:"updated_at"`
	// Groups are the chat groups the person wrote to (or was created in): only their agents
	// (and system admins) see the person.
	Groups []string `json:"groups,omitempty"`
	// OptedOut is set while the customer's last message was an opt-out word: nobody may start a
	// conversation with them (see optout.go).
	OptedOut bool `json:"opted_out,omitempty"`
}

// People stores customers, findable by canonical phone (through keys that hash it, see
// store.Phones) and by business-scoped user id.
type People struct {
	KV     store.KV
	Phones store.Phones
	Now    func() time.Time
	// Merged tells every node that a person was merged into another (its caches must forget it).
	Merged func(personID string)
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
	// WhatsApp allows long profile names; an overlong one is cut, never a reason to fail.
	profileName = TruncateName(profileName)

	id, err := pp.lookup(phone, bsuid)
	if err != nil {
		return nil, err
	}
	created := id == ""
	if created {
		if id, err = pp.create(phone, waID, bsuid, profileName); err != nil {
			return nil, err
		}
	}
	changed := false
	person, err := store.UpdateJSON(pp.KV, store.PersonKey(id), func(p *Person, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "person %s", id)
		}
		changed = false
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
	if created || changed {
		if err := pp.Reindex(id); err != nil {
			return nil, err
		}
	}
	return &person, nil
}

func (pp *People) lookup(phone, bsuid string) (string, error) {
	var id string
	if phone != "" {
		if _, err := store.GetJSON(pp.KV, pp.Phones.Key(phone), &id); err != nil || id != "" {
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
	claimKey := pp.Phones.Key(phone)
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

// Create adds a person an agent typed in (from the ticket panel). With the phone of a contact
// WhatsApp created and no agent edited, the new person takes that contact over (its WhatsApp
// identity, conversations and tickets); with the phone of a person agents made, the refusal is
// a PhoneTaken naming that person.
func (pp *People) Create(name, phone, email string) (*Person, error) {
	name, email, err := validPerson(name, email)
	if err != nil {
		return nil, err
	}
	canon := CanonicalPhone(phone)
	existing := ""
	if canon != "" {
		if existing, err = pp.lookup(canon, ""); err != nil {
			return nil, err
		}
		if existing != "" {
			old, err := pp.Get(existing)
			switch {
			case errors.Is(err, ErrNotFound):
				existing = "" // a key left by an interrupted erasure: the phone is free
			case err != nil:
				return nil, err
			case old.AgentMade():
				return nil, phoneTaken(old.ID, canon)
			}
		}
	}
	now := pp.now()
	p := &Person{ID: model.NewId(), Name: name, Phone: canon, Email: email, NameEdited: true, CreatedAt: now, UpdatedAt: now}
	if err := store.SetJSON(pp.KV, store.PersonKey(p.ID), p); err != nil {
		return nil, err
	}
	if existing != "" {
		if p, err = pp.takeOver(existing, p); err != nil {
			return nil, err
		}
	} else if canon != "" {
		won, err := store.Insert(pp.KV, pp.Phones.Key(canon), p.ID, 0)
		if err != nil {
			return nil, err
		}
		if !won {
			_ = pp.KV.Delete(store.PersonKey(p.ID))
			var winner string
			_, _ = store.GetJSON(pp.KV, pp.Phones.Key(canon), &winner)
			return nil, phoneTaken(winner, canon)
		}
	}
	if err := store.NewIndex(pp.KV, store.PeopleIndexKey()).Add(p.ID); err != nil {
		return nil, err
	}
	return p, pp.Reindex(p.ID)
}

// Rename sets a name an agent chose; later WhatsApp profile names will not replace it.
func (pp *People) Rename(id, name string) (*Person, error) {
	name, _, err := validPerson(name, "")
	if err != nil {
		return nil, err
	}
	p, err := store.UpdateJSON(pp.KV, store.PersonKey(id), func(p *Person, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "person %s", id)
		}
		p.Name, p.NameEdited, p.UpdatedAt = name, true, pp.now()
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if err := pp.Reindex(id); err != nil {
		return nil, err
	}
	return &p, pp.reindexTickets(id)
}

// MaxNameRunes bounds a person's name (channel names, headers and announcements carry it).
const MaxNameRunes = 64

// TruncateName trims a name and cuts it to MaxNameRunes.
func TruncateName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) > MaxNameRunes {
		r = r[:MaxNameRunes]
	}
	return strings.TrimSpace(string(r))
}

// validPerson checks what an agent typed: a name of 1 to MaxNameRunes characters and, when
// given, a valid email address.
func validPerson(name, email string) (string, string, error) {
	name, email = strings.TrimSpace(name), strings.TrimSpace(email)
	if name == "" {
		return "", "", Refuse(ErrInvalid, "error.person_name")
	}
	if utf8.RuneCountInString(name) > MaxNameRunes {
		return "", "", Refuse(ErrInvalid, "error.person_name_long", "Max", MaxNameRunes)
	}
	if email != "" {
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || addr.Name != "" || len(email) > 254 {
			return "", "", Refuse(ErrInvalid, "error.person_email")
		}
	}
	return name, email, nil
}

// OnlyIn reports whether group is the one chat group the person belongs with.
func (p *Person) OnlyIn(group string) bool {
	return len(p.Groups) == 1 && p.Groups[0] == group
}

// JoinGroups records that a person belongs with chat groups, so their agents see them.
func (pp *People) JoinGroups(id string, groups ...string) (*Person, error) {
	changed := false
	p, err := store.UpdateJSON(pp.KV, store.PersonKey(id), func(p *Person, exists bool) (bool, error) {
		if !exists {
			return false, errors.Wrapf(ErrNotFound, "person %s", id)
		}
		changed = false
		for _, g := range groups {
			if g != "" && !slices.Contains(p.Groups, g) {
				p.Groups, changed = append(p.Groups, g), true
			}
		}
		return changed, nil
	})
	if err != nil || !changed {
		return &p, err
	}
	return &p, pp.Reindex(id)
}

// Scope is whose people a user may see: everyone for system admins, otherwise the people of
// the chat groups the user is an agent of.
type Scope struct {
	All    bool
	Groups []string
}

// Sees reports whether the scope covers a person.
func (s Scope) Sees(p *Person) bool {
	if s.All {
		return true
	}
	for _, g := range p.Groups {
		if slices.Contains(s.Groups, g) {
			return true
		}
	}
	return false
}

// SeesGroup reports whether the scope covers a chat group (its tickets).
func (s Scope) SeesGroup(group string) bool { return s.All || slices.Contains(s.Groups, group) }

// SearchTerm checks a people search: at least 2 characters, or at least 4 digits when the
// query is a phone number, so nobody lists every customer with an empty or tiny query.
func SearchTerm(q string) (string, error) {
	q = strings.TrimSpace(q)
	digits := 0
	phoneLike := true
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() .", r):
		default:
			phoneLike = false
		}
	}
	if utf8.RuneCountInString(q) < 2 || (phoneLike && digits < 4) {
		return "", Refuse(ErrInvalid, "error.search_short")
	}
	return q, nil
}
