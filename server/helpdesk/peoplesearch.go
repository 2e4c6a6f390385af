package helpdesk

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/pkg/errors"
	"golang.org/x/text/unicode/norm"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// People search reads one bucket, whatever the number of people. Every person is listed, as a
// small card (what a result shows and what scoping needs), in the bucket of each of their terms:
// "n:" and the first two letters of each word of their name and email (accents folded, lower
// case), and "p:" and every run of four consecutive digits of their phone. A query reads the
// bucket of one of its own terms and keeps the cards that match all of it:
//
//   - words: each word of the query starts a word of the card (name, email, or phone digits);
//   - a phone number (4+ digits): the card's phone contains the query's digits; the bucket read is
//     that of the query's last four digits, the most telling ones.
//
// A person's terms are remembered under their own key, so re-indexing after a change touches only
// the buckets that differ, and an erasure removes exactly theirs.

// PersonCard is what search keeps of a person.
type PersonCard struct {
	ID     string   `json:"id"`
	Name   string   `json:"n"`
	Phone  string   `json:"p,omitempty"`
	WaID   string   `json:"w,omitempty"`
	Email  string   `json:"e,omitempty"`
	Groups []string `json:"g,omitempty"`
}

type searchEntry struct {
	Terms []string   `json:"t"`
	Card  PersonCard `json:"c"`
}

// Person is the card as a person record (the fields search shows).
func (c PersonCard) Person() *Person {
	return &Person{ID: c.ID, Name: c.Name, Phone: c.Phone, WaID: c.WaID, Email: c.Email, Groups: c.Groups}
}

func cardOf(p *Person) PersonCard {
	return PersonCard{ID: p.ID, Name: p.Name, Phone: p.Phone, WaID: p.WaID, Email: p.Email, Groups: slices.Clone(p.Groups)}
}

// fold lowers s and strips its accents ("João" -> "joao").
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// words splits folded text into its words (letters and digits).
func words(s string) []string {
	return strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

func wordTerm(w string) string {
	r := []rune(w)
	return "n:" + string(r[:min(2, len(r))])
}

func digitTerm(digits string) string { return "p:" + digits[len(digits)-4:] }

// termsOf lists a card's search terms, each once.
func termsOf(c PersonCard) []string {
	var terms []string
	add := func(t string) {
		if !slices.Contains(terms, t) {
			terms = append(terms, t)
		}
	}
	for _, w := range append(words(c.Name), words(c.Email)...) {
		if len([]rune(w)) >= 2 {
			add(wordTerm(w))
		}
	}
	for i := 4; i <= len(c.Phone); i++ {
		add(digitTerm(c.Phone[:i]))
	}
	return terms
}

// Reindex brings a person's search cards up to date with their record (or removes them when the
// person is gone). Every change to a person's name, phone, email or groups calls it; it costs
// two reads when nothing changed, plus a compare-and-set per bucket that did.
func (pp *People) Reindex(id string) error {
	p, err := pp.Get(id)
	if errors.Is(err, ErrNotFound) {
		return pp.Unindex(id)
	} else if err != nil {
		return err
	}
	var old searchEntry
	if _, err := store.GetJSON(pp.KV, store.PeopleSearchEntryKey(id), &old); err != nil {
		return err
	}
	card := cardOf(p)
	terms := termsOf(card)
	same := cardsEqual(old.Card, card)
	// The entry is written first with every term (old and new), so a crash midway leaves no
	// bucket that an erasure would miss.
	if !same || !slices.Equal(old.Terms, terms) {
		union := slices.Clone(terms)
		for _, t := range old.Terms {
			if !slices.Contains(union, t) {
				union = append(union, t)
			}
		}
		if err := store.SetJSON(pp.KV, store.PeopleSearchEntryKey(id), searchEntry{Terms: union, Card: card}); err != nil {
			return err
		}
	} else {
		return nil
	}
	for _, t := range old.Terms {
		if !slices.Contains(terms, t) {
			if err := pp.dropCard(t, id); err != nil {
				return err
			}
		}
	}
	for _, t := range terms {
		if same && slices.Contains(old.Terms, t) {
			continue
		}
		if err := pp.putCard(t, card); err != nil {
			return err
		}
	}
	return store.SetJSON(pp.KV, store.PeopleSearchEntryKey(id), searchEntry{Terms: terms, Card: card})
}

// Unindex removes a person from search (erasure, merge).
func (pp *People) Unindex(id string) error {
	var old searchEntry
	found, err := store.GetJSON(pp.KV, store.PeopleSearchEntryKey(id), &old)
	if err != nil || !found {
		return err
	}
	for _, t := range old.Terms {
		if err := pp.dropCard(t, id); err != nil {
			return err
		}
	}
	return errors.Wrap(pp.KV.Delete(store.PeopleSearchEntryKey(id)), "failed to delete a search entry")
}

func (pp *People) putCard(term string, card PersonCard) error {
	_, err := store.UpdateJSON(pp.KV, store.PeopleSearchKey(term), func(cards *[]PersonCard, _ bool) (bool, error) {
		i := slices.IndexFunc(*cards, func(c PersonCard) bool { return c.ID == card.ID })
		if i >= 0 {
			if cardsEqual((*cards)[i], card) {
				return false, nil
			}
			(*cards)[i] = card
			return true, nil
		}
		*cards = append(*cards, card)
		return true, nil
	})
	return err
}

func (pp *People) dropCard(term, id string) error {
	return store.Update(pp.KV, store.PeopleSearchKey(term), func(old []byte) (any, error) {
		var cards []PersonCard
		if len(old) > 0 {
			if err := json.Unmarshal(old, &cards); err != nil {
				return nil, errors.Wrap(err, "failed to decode a search bucket")
			}
		}
		i := slices.IndexFunc(cards, func(c PersonCard) bool { return c.ID == id })
		if i < 0 {
			return nil, store.ErrNoChange
		}
		if cards = slices.Delete(cards, i, i+1); len(cards) == 0 {
			return nil, nil // the bucket's last card: no key left behind
		}
		return cards, nil
	})
}

func cardsEqual(a, b PersonCard) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Phone == b.Phone && a.WaID == b.WaID && a.Email == b.Email &&
		slices.Equal(a.Groups, b.Groups)
}

// SearchResult is one page of a people search and how many people match in all.
type SearchResult struct {
	People []*Person
	Total  int
}

// Search returns page (from 0) of perPage people in scope matching q (see above), ordered by
// name, and how many match. It reads one bucket.
func (pp *People) Search(q string, page, perPage int, scope Scope) (SearchResult, error) {
	q, err := SearchTerm(q)
	if err != nil {
		return SearchResult{}, err
	}
	match, term := queryMatcher(q)
	var cards []PersonCard
	if _, err := store.GetJSON(pp.KV, store.PeopleSearchKey(term), &cards); err != nil {
		return SearchResult{}, err
	}
	var hits []PersonCard
	for _, c := range cards {
		if scope.Sees(c.Person()) && match(c) {
			hits = append(hits, c)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := fold(hits[i].Name), fold(hits[j].Name)
		if a != b {
			return a < b
		}
		return hits[i].ID < hits[j].ID
	})
	out := SearchResult{People: []*Person{}, Total: len(hits)}
	for _, c := range pageOf(hits, page, perPage) {
		out.People = append(out.People, c.Person())
	}
	return out, nil
}

// queryMatcher returns what a card must satisfy for q, and the term whose bucket holds them all.
func queryMatcher(q string) (func(PersonCard) bool, string) {
	if isPhoneQuery(q) {
		digits := CanonicalPhone(q)
		return func(c PersonCard) bool { return strings.Contains(c.Phone, digits) }, digitTerm(digits)
	}
	qwords := words(q)
	// The longest word's bucket: every match is in it (SearchTerm guarantees 2+ characters).
	longest := ""
	for _, w := range qwords {
		if len([]rune(w)) > len([]rune(longest)) {
			longest = w
		}
	}
	return func(c PersonCard) bool {
		cw := append(words(c.Name), words(c.Email)...)
		for _, w := range qwords {
			starts := slices.ContainsFunc(cw, func(x string) bool { return strings.HasPrefix(x, w) })
			inPhone := isDigits(w) && len(w) >= 4 && strings.Contains(c.Phone, w)
			if !starts && !inPhone {
				return false
			}
		}
		return true
	}, wordTerm(longest)
}

func isPhoneQuery(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() .", r):
		default:
			return false
		}
	}
	return digits >= 4
}

func isDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// pageOf cuts page (from 0) of perPage items out of all.
func pageOf[T any](all []T, page, perPage int) []T {
	from := page * perPage
	if from >= len(all) || page < 0 || perPage <= 0 {
		return nil
	}
	return all[from:min(from+perPage, len(all))]
}

// IndexAll puts many people into search at once, a compare-and-set per bucket rather than per
// person and bucket (the backfill of earlier versions' people). People already indexed are
// brought up to date; cards other people have in the buckets stay.
func (pp *People) IndexAll(persons []*Person) error {
	byTerm := map[string][]PersonCard{}
	var order []string
	for _, p := range persons {
		card := cardOf(p)
		var old searchEntry
		if _, err := store.GetJSON(pp.KV, store.PeopleSearchEntryKey(p.ID), &old); err != nil {
			return err
		}
		terms := termsOf(card)
		for _, t := range old.Terms {
			if !slices.Contains(terms, t) {
				if err := pp.dropCard(t, p.ID); err != nil {
					return err
				}
			}
		}
		if err := store.SetJSON(pp.KV, store.PeopleSearchEntryKey(p.ID), searchEntry{Terms: terms, Card: card}); err != nil {
			return err
		}
		for _, t := range terms {
			if _, seen := byTerm[t]; !seen {
				order = append(order, t)
			}
			byTerm[t] = append(byTerm[t], card)
		}
	}
	for _, t := range order {
		batch := byTerm[t]
		if _, err := store.UpdateJSON(pp.KV, store.PeopleSearchKey(t), func(cards *[]PersonCard, _ bool) (bool, error) {
			at := make(map[string]int, len(*cards))
			for i, c := range *cards {
				at[c.ID] = i
			}
			for _, c := range batch {
				if i, ok := at[c.ID]; ok {
					(*cards)[i] = c
				} else {
					at[c.ID] = len(*cards)
					*cards = append(*cards, c)
				}
			}
			return true, nil
		}); err != nil {
			return err
		}
	}
	return nil
}
