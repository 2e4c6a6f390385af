package helpdesk

import (
	"strings"

	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// keyLister is the part of pluginapi's KV service that lists keys; the migration uses it, when
// the store has it, to find legacy phone keys that no person record names any more.
type keyLister interface {
	ListKeys(page, count int, options ...pluginapi.ListKeysOption) ([]string, error)
}

// MigratePhoneKeys moves the phone keys of versions that wrote the number in clear
// (store.LegacyPhoneKey) to the hashed ones (store.Phones), then records that it is done, so a
// later activation costs one read. Every step is an insert-if-absent or a delete, so any number of
// nodes may run it at once; one stopped halfway is finished by the next activation.
func (pp *People) MigratePhoneKeys() (moved int, err error) {
	var done bool
	if _, err := store.GetJSON(pp.KV, store.PhoneKeysMigratedKey(), &done); err != nil || done {
		return 0, err
	}
	ids, err := store.NewIndex(pp.KV, store.PeopleIndexKey()).List()
	if err != nil {
		return 0, errors.Wrap(err, "failed to list the people")
	}
	for _, id := range ids {
		p, err := pp.Get(id)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return moved, err
		}
		for _, digits := range legacyPhoneVariants(p) {
			ok, err := pp.moveLegacyPhoneKey(digits)
			if err != nil {
				return moved, errors.Wrapf(err, "failed to move a phone key of person %s", p.ID)
			}
			if ok {
				moved++
			}
		}
	}
	n, err := pp.moveUnlistedPhoneKeys()
	moved += n
	if err != nil {
		return moved, err
	}
	return moved, store.SetJSON(pp.KV, store.PhoneKeysMigratedKey(), true)
}

// legacyPhoneVariants are the numbers an older version may have keyed a person by: the canonical
// phone it wrote, and for safety the wa_id and the Brazilian form without the ninth digit.
func legacyPhoneVariants(p *Person) []string {
	var out []string
	add := func(digits string) {
		if digits != "" && !strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
			for _, d := range out {
				if d == digits {
					return
				}
			}
			out = append(out, digits)
		}
	}
	for _, raw := range []string{p.Phone, p.WaID} {
		canon := CanonicalPhone(raw)
		add(canon)
		add(withoutNinthDigit(canon))
	}
	return out
}

// withoutNinthDigit is the form WhatsApp still reports for many Brazilian mobiles (see
// CanonicalPhone), or "" when the number has no such form.
func withoutNinthDigit(canon string) string {
	if len(canon) == 13 && strings.HasPrefix(canon, "55") && canon[4] == '9' && canon[5] >= '6' {
		return canon[:4] + canon[5:]
	}
	return ""
}

// moveLegacyPhoneKey moves one legacy key, if present, to its hashed key (which keeps its person
// when a newer write got there first) and reports whether there was one. Its errors leave out
// the key, which holds the number.
func (pp *People) moveLegacyPhoneKey(digits string) (bool, error) {
	legacy := store.LegacyPhoneKey(digits)
	var owner string
	found, err := store.GetJSON(pp.KV, legacy, &owner)
	if err != nil {
		return false, withoutNumber(err, digits, "failed to read a legacy phone key")
	}
	if !found {
		return false, nil
	}
	if owner != "" {
		if _, err := store.Insert(pp.KV, pp.Phones.Key(CanonicalPhone(digits)), owner, 0); err != nil {
			return false, withoutNumber(err, digits, "failed to write a hashed phone key")
		}
	}
	if err := pp.KV.Delete(legacy); err != nil {
		return false, withoutNumber(err, digits, "failed to delete a legacy phone key")
	}
	return true, nil
}

// listPage is how many keys one KV listing call returns.
const listPage = 1000

// moveUnlistedPhoneKeys moves the legacy phone keys no listed person led to (a person whose
// index entry was lost, say), found by listing the store's keys when the store can.
func (pp *People) moveUnlistedPhoneKeys() (int, error) {
	lister, ok := pp.KV.(keyLister)
	if !ok {
		return 0, nil
	}
	// Collect first: deleting while paging would shift the pages.
	var legacy []string
	for page := 0; ; page++ {
		keys, err := lister.ListKeys(page, listPage)
		if err != nil {
			return 0, errors.Wrap(err, "failed to list the KV keys")
		}
		for _, k := range keys {
			if strings.HasPrefix(k, store.LegacyPhonePrefix) {
				legacy = append(legacy, strings.TrimPrefix(k, store.LegacyPhonePrefix))
			}
		}
		if len(keys) < listPage {
			break
		}
	}
	moved := 0
	for _, digits := range legacy {
		ok, err := pp.moveLegacyPhoneKey(digits)
		if err != nil {
			return moved, err
		}
		if ok {
			moved++
		}
	}
	return moved, nil
}

// withoutNumber is err with msg, and with every occurrence of a phone number's digits masked.
func withoutNumber(err error, digits, msg string) error {
	text := err.Error()
	if digits != "" {
		text = strings.ReplaceAll(text, digits, "<phone>")
	}
	return errors.Errorf("%s: %s", msg, text)
}
