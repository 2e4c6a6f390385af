package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/pkg/errors"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/failure"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/l10n"
	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/workflow"
)

// maxBodyBytes caps JSON bodies of the webapp API, post actions and dialogs.
const maxBodyBytes = 64 << 10

// API serves /api/v1 for the webapp panel. Every route needs the Mattermost-User-Id header the
// server sets for logged-in users, and an agent (or system admin).
type API struct {
	PluginAPI PluginAPI
	Desk      *workflow.Desk
	Views     *Views
	Texts     *l10n.Translator
}

type handler func(w http.ResponseWriter, r *http.Request, userID string)

// Register mounts the routes on r (already under /api/v1).
func (a *API) Register(r *mux.Router) {
	r.Handle("/conversations", a.agent(a.listConversations)).Methods(http.MethodGet)
	r.Handle("/conversations/{id}", a.agent(a.patchConversation)).Methods(http.MethodPatch)
	r.Handle("/conversations/{id}/attend", a.agent(a.attend)).Methods(http.MethodPost)
	r.Handle("/conversations/{id}/invite", a.agent(a.invite)).Methods(http.MethodPost)
	r.Handle("/conversations/{id}/close", a.agent(a.closeConversation)).Methods(http.MethodPost)
	r.Handle("/tickets", a.agent(a.listTickets)).Methods(http.MethodGet)
	r.Handle("/tickets/export.csv", a.agent(a.exportTickets)).Methods(http.MethodGet)
	r.Handle("/tickets/{id}", a.agent(a.getTicket)).Methods(http.MethodGet)
	r.Handle("/tickets/{id}", a.agent(a.patchTicket)).Methods(http.MethodPatch)
	r.Handle("/tickets/{id}/save", a.agent(a.saveTicket)).Methods(http.MethodPost)
	r.Handle("/people", a.agent(a.searchPeople)).Methods(http.MethodGet)
	r.Handle("/people", a.agent(a.createPerson)).Methods(http.MethodPost)
	r.Handle("/people/{id}", a.agent(a.patchPerson)).Methods(http.MethodPatch)
	r.Handle("/people/{id}/merge", a.agent(a.mergePerson)).Methods(http.MethodPost)
	r.Handle("/templates", a.agent(a.listTemplates)).Methods(http.MethodGet)
	r.Handle("/macros", a.agent(a.listMacros)).Methods(http.MethodGet)
	r.Handle("/credits", a.agent(a.credits)).Methods(http.MethodGet)
	r.Handle("/hours", a.agent(a.hours)).Methods(http.MethodGet)
	a.registerProactive(r)
	a.registerIndicators(r)
}

// agent checks the user header and the agent role before any handler runs.
func (a *API) agent(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userID := r.Header.Get("Mattermost-User-Id")
		if userID == "" {
			WriteError(w, http.StatusUnauthorized, "not logged in")
			return
		}
		if !a.Desk.IsAnyAgent(userID) {
			WriteError(w, http.StatusForbidden, a.Describe(userID, helpdesk.Refuse(helpdesk.ErrForbidden, "cmd.not_agent")))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		h(w, r, userID)
	})
}

// WriteError answers {"error": msg}.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, map[string]string{"error": msg})
}

// WriteJSON answers v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Describe is the sentence userID reads for err, in their locale.
func (a *API) Describe(userID string, err error) string {
	return failure.Describe(a.Texts, a.Texts.ForUser(userID), err)
}

// fail answers an error with its status and sentence from server/failure's table; failures of
// ours (500) are logged here, once.
func (a *API) fail(w http.ResponseWriter, userID string, err error) {
	status := failure.Status(err)
	if status == http.StatusInternalServerError {
		a.PluginAPI.LogError("WhatsApp Helpdesk API error", "user_id", userID, "error", err.Error())
	}
	var taken *helpdesk.PhoneTaken
	if errors.As(err, &taken) {
		// The panel offers the person who has the phone instead.
		WriteJSON(w, status, map[string]string{"error": a.Describe(userID, err), "person_id": taken.PersonID})
		return
	}
	WriteError(w, status, a.Describe(userID, err))
}

func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return helpdesk.Refuse(helpdesk.ErrInvalid, "error.bad_body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return helpdesk.Refuse(helpdesk.ErrInvalid, "error.bad_body")
	}
	return nil
}

func reqCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), 60*time.Second)
}

func (a *API) listConversations(w http.ResponseWriter, r *http.Request, userID string) {
	state := r.URL.Query().Get("state")
	if state == "" {
		state = helpdesk.StateWaiting
	}
	page, err := pageOf(r)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	convs, total, err := a.Desk.ListPage(userID, state, page)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	out := make([]ConversationView, 0, len(convs))
	for _, c := range convs {
		out = append(out, a.Views.Conversation(c))
	}
	WriteJSON(w, http.StatusOK, Paged[ConversationView]{Items: out, Total: total})
}

// Paged is one page of a list route: its items and how many there are in all.
type Paged[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

// pageOf reads a list route's page and per_page parameters.
func pageOf(r *http.Request) (helpdesk.Page, error) {
	q := r.URL.Query()
	return helpdesk.ParsePage(q.Get("page"), q.Get("per_page"))
}

func (a *API) attend(w http.ResponseWriter, r *http.Request, userID string) {
	ctx, cancel := reqCtx(r)
	defer cancel()
	conv, notices, err := a.Desk.Attend(ctx, userID, mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"conversation": a.Views.Conversation(conv), "notices": a.notices(userID, notices)})
}

func (a *API) notices(userID string, errs []error) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, a.Describe(userID, e))
	}
	return out
}

func (a *API) invite(w http.ResponseWriter, r *http.Request, userID string) {
	var body struct {
		UserID string `json:"user_id"`
	}
	if err := decode(r, &body); err != nil {
		a.fail(w, userID, err)
		return
	}
	if err := a.Desk.Invite(userID, mux.Vars(r)["id"], body.UserID); err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "invited"})
}

func (a *API) closeConversation(w http.ResponseWriter, r *http.Request, userID string) {
	ctx, cancel := reqCtx(r)
	defer cancel()
	ticket, notices, err := a.Desk.Close(ctx, userID, mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"ticket": a.Views.Ticket(ticket), "notices": a.notices(userID, notices)})
}

func (a *API) getTicket(w http.ResponseWriter, r *http.Request, userID string) {
	t, err := a.Desk.Ticket(userID, mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.Views.Ticket(t))
}

type newPerson struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

func (a *API) patchTicket(w http.ResponseWriter, r *http.Request, userID string) {
	var body struct {
		Subject     *string    `json:"subject"`
		Status      *string    `json:"status"`
		CustomerID  *string    `json:"customer_id"`
		NewCustomer *newPerson `json:"new_customer"`
		Tags        *[]string  `json:"tags"`
	}
	if err := decode(r, &body); err != nil {
		a.fail(w, userID, err)
		return
	}
	var np *workflow.NewPerson
	if body.NewCustomer != nil {
		np = &workflow.NewPerson{Name: body.NewCustomer.Name, Phone: body.NewCustomer.Phone, Email: body.NewCustomer.Email}
	}
	patch := helpdesk.TicketPatch{Subject: body.Subject, Status: body.Status, CustomerID: body.CustomerID, Tags: body.Tags}
	t, err := a.Desk.PatchTicket(userID, mux.Vars(r)["id"], patch, np)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.Views.Ticket(t))
}

func (a *API) saveTicket(w http.ResponseWriter, r *http.Request, userID string) {
	t, err := a.Desk.SaveTicket(userID, mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.Views.Ticket(t))
}

func (a *API) searchPeople(w http.ResponseWriter, r *http.Request, userID string) {
	page, err := pageOf(r)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	found, err := a.Desk.SearchPeople(userID, r.URL.Query().Get("q"), page)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	out := make([]PersonView, 0, len(found.People))
	for _, p := range found.People {
		out = append(out, personView(p))
	}
	WriteJSON(w, http.StatusOK, Paged[PersonView]{Items: out, Total: found.Total})
}

func (a *API) createPerson(w http.ResponseWriter, r *http.Request, userID string) {
	var body newPerson
	if err := decode(r, &body); err != nil {
		a.fail(w, userID, err)
		return
	}
	p, err := a.Desk.CreatePerson(userID, workflow.NewPerson{Name: body.Name, Phone: body.Phone, Email: body.Email})
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusCreated, personView(p))
}

func (a *API) listTemplates(w http.ResponseWriter, r *http.Request, userID string) {
	ctx, cancel := reqCtx(r)
	defer cancel()
	templates, err := a.Desk.ApprovedTemplates(ctx)
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, templates)
}

func (a *API) listMacros(w http.ResponseWriter, _ *http.Request, userID string) {
	macros, err := a.Desk.Macros()
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, macros)
}

func (a *API) credits(w http.ResponseWriter, _ *http.Request, userID string) {
	b, err := a.Desk.Credits()
	if err != nil {
		a.fail(w, userID, err)
		return
	}
	WriteJSON(w, http.StatusOK, b)
}
