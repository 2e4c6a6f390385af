package helpdesk

import (
	"fmt"

	"github.com/pkg/errors"
)

// Sentinel errors the HTTP API and commands map to statuses and messages.
var (
	ErrNotFound  = errors.New("not found")
	ErrInvalid   = errors.New("invalid request")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
	ErrNotOnline = errors.New("only online agents can be invited")
)

// Problem is a refusal an agent reads: its Kind says what sort it is (for statuses and
// errors.Is), its ID and Data say what to show, in the agent's language (server/l10n).
type Problem struct {
	Kind error
	ID   string
	Data map[string]any
}

func (p *Problem) Error() string {
	if len(p.Data) == 0 {
		return p.ID
	}
	return fmt.Sprintf("%s %v", p.ID, p.Data)
}

func (p *Problem) Unwrap() error { return p.Kind }

// Refuse builds a Problem; data is key, value pairs for the message's placeholders.
func Refuse(kind error, id string, data ...any) error {
	p := &Problem{Kind: kind, ID: id}
	if len(data) > 0 {
		p.Data = map[string]any{}
		for i := 0; i+1 < len(data); i += 2 {
			p.Data[fmt.Sprint(data[i])] = data[i+1]
		}
	}
	return p
}
