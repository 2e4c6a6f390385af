package helpdesk

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/store"
)

// Macro is a named, reusable reply.
type Macro struct {
	Name      string `json:"name"`
	Text      string `json:"text"`
	CreatedBy string `json:"created_by,omitempty"`
	CreatedAt int64  `json:"created_at"`
}

// MacroVars are the values of the variables a macro (or start/end message) may use.
type MacroVars struct {
	CustomerName   string
	AgentName      string
	ConversationID string
}

// macroNamePattern keeps macro names typeable after /whatsapp macro.
var macroNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// Render fills {{customer.name}}, {{customer.first_name}}, {{agent.name}} and {{conversation.id}}.
func (v MacroVars) Render(text string) string {
	first := v.CustomerName
	if f := strings.Fields(first); len(f) > 0 {
		first = f[0]
	}
	return strings.NewReplacer(
		"{{customer.name}}", v.CustomerName,
		"{{customer.first_name}}", first,
		"{{agent.name}}", v.AgentName,
		"{{conversation.id}}", v.ConversationID,
	).Replace(text)
}

// Macros stores the installation's macros in one record.
type Macros struct {
	KV  store.KV
	Now func() time.Time
}

// List returns the macros sorted by name.
func (ms *Macros) List() ([]Macro, error) {
	all := map[string]Macro{}
	if _, err := store.GetJSON(ms.KV, store.MacrosKey(), &all); err != nil {
		return nil, err
	}
	out := make([]Macro, 0, len(all))
	for _, m := range all {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Get returns one macro by name.
func (ms *Macros) Get(name string) (Macro, error) {
	all := map[string]Macro{}
	if _, err := store.GetJSON(ms.KV, store.MacrosKey(), &all); err != nil {
		return Macro{}, err
	}
	m, ok := all[strings.ToLower(name)]
	if !ok {
		return Macro{}, Refuse(ErrNotFound, "error.macro_not_found", "Name", name)
	}
	return m, nil
}

// Put adds or replaces a macro.
func (ms *Macros) Put(name, text, userID string) (Macro, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	text = strings.TrimSpace(text)
	if !macroNamePattern.MatchString(name) {
		return Macro{}, Refuse(ErrInvalid, "error.macro_name")
	}
	if text == "" {
		return Macro{}, Refuse(ErrInvalid, "error.macro_text")
	}
	m := Macro{Name: name, Text: text, CreatedBy: userID, CreatedAt: ms.Now().UnixMilli()}
	_, err := store.UpdateJSON(ms.KV, store.MacrosKey(), func(all *map[string]Macro, _ bool) (bool, error) {
		if *all == nil {
			*all = map[string]Macro{}
		}
		(*all)[name] = m
		return true, nil
	})
	return m, err
}

// Remove deletes a macro.
func (ms *Macros) Remove(name string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	_, err := store.UpdateJSON(ms.KV, store.MacrosKey(), func(all *map[string]Macro, _ bool) (bool, error) {
		if _, ok := (*all)[name]; !ok {
			return false, Refuse(ErrNotFound, "error.macro_not_found", "Name", name)
		}
		delete(*all, name)
		return true, nil
	})
	return err
}
