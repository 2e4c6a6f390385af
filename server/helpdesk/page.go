package helpdesk

import "strconv"

// MaxPerPage bounds one page of any list route.
const MaxPerPage = 100

// DefaultPerPage is a page's size when the request names none.
const DefaultPerPage = 20

// Page is which part of a list a request wants: page from 0, of PerPage items.
type Page struct {
	Page    int
	PerPage int
}

// ParsePage reads the page and per_page query parameters: absent ones take the defaults; a
// negative page, a per_page outside 1..MaxPerPage or a non-number is refused.
func ParsePage(page, perPage string) (Page, error) {
	p := Page{PerPage: DefaultPerPage}
	if page != "" {
		n, err := strconv.Atoi(page)
		if err != nil || n < 0 {
			return Page{}, Refuse(ErrInvalid, "error.bad_page")
		}
		p.Page = n
	}
	if perPage != "" {
		n, err := strconv.Atoi(perPage)
		if err != nil || n < 1 || n > MaxPerPage {
			return Page{}, Refuse(ErrInvalid, "error.bad_per_page", "Max", MaxPerPage)
		}
		p.PerPage = n
	}
	return p, nil
}

// Offset is the index of the page's first item.
func (p Page) Offset() int { return p.Page * p.PerPage }
