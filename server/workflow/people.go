package workflow

import (
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

// EditPerson applies an agent's edit to a person userID may see.
func (d *Desk) EditPerson(userID, id string, patch helpdesk.PersonPatch) (*helpdesk.Person, error) {
	if _, err := d.Person(userID, id); err != nil {
		return nil, err
	}
	return d.people.Edit(id, patch)
}

// MergePeople merges the person fromID into intoID; userID must see both.
func (d *Desk) MergePeople(userID, fromID, intoID string) (*helpdesk.Person, error) {
	if _, err := d.Person(userID, fromID); err != nil {
		return nil, err
	}
	if intoID == "" {
		return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.merge_no_target")
	}
	if _, err := d.Person(userID, intoID); err != nil {
		return nil, helpdesk.Refuse(helpdesk.ErrInvalid, "error.merge_no_target")
	}
	return d.people.Merge(fromID, intoID)
}
