package store

// Every KV key of the plugin is built here. Keys are versioned, prefixed, and stay far below the
// 150-character limit (ids are 26 characters; wamids about 60; BSUIDs up to 256 are hashed).

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

const prefix = "v1/"

// MessageKey holds the processing record of an inbound WhatsApp message (wamid).
func MessageKey(wamid string) string { return prefix + "msg/" + shortID(wamid) }

// PersonKey holds a person (customer).
func PersonKey(personID string) string { return prefix + "person/" + personID }

// The key that maps a phone number to a person is built by Phones (phones.go): keyed, so that
// no key holds a number.

// BSUIDKey maps a business-scoped user id to a person id.
func BSUIDKey(bsuid string) string { return prefix + "bsuid/" + shortID(bsuid) }

// ConversationKey holds a conversation.
func ConversationKey(conversationID string) string { return prefix + "conv/" + conversationID }

// OpenConversationKey points at the one open conversation of a person in a chat group.
func OpenConversationKey(group, personID string) string {
	return prefix + "open/" + shortID(group) + "/" + personID
}

// ChannelConversationKey maps a Mattermost channel to its conversation.
func ChannelConversationKey(channelID string) string { return prefix + "chconv/" + channelID }

// ConversationIndexKey lists the conversations in one state.
func ConversationIndexKey(state string) string { return prefix + "idx/conv/" + state }

// PeopleIndexKey lists every person, for search.
func PeopleIndexKey() string { return prefix + "idx/people" }

// MediaRetryIndexKey lists inbound messages whose media still has to be fetched.
func MediaRetryIndexKey() string { return prefix + "idx/mediaretry" }

// ActionSecretKey holds the key that signs post-action contexts.
func ActionSecretKey() string { return prefix + "secret/actions" }

// shortID keeps external ids (wamids, BSUIDs, group names) within the key limit: short ones are
// used as they are, long ones by their SHA-256.
func shortID(s string) string {
	if len(s) <= 96 {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "h" + hex.EncodeToString(sum[:])
}

// OutboundKey maps the wamid of a message we sent to its post.
func OutboundKey(wamid string) string { return prefix + "out/" + shortID(wamid) }

// MediaRetryKey holds what is needed to fetch a message's media again.
func MediaRetryKey(wamid string) string { return prefix + "mediaretry/" + shortID(wamid) }

// CreditsKey holds the credit counters.
func CreditsKey() string { return prefix + "credits" }

// LedgerKey holds one ledger entry; the time prefix keeps a listing in order.
func LedgerKey(atMillis int64, id string) string {
	return prefix + "ledger/" + strconv.FormatInt(atMillis, 10) + "/" + id
}

// MacrosKey holds every macro of the installation.
func MacrosKey() string { return prefix + "macros" }

// TemplatesKey holds the HSM templates last synced from the Graph API.
func TemplatesKey() string { return prefix + "templates" }

// TicketKey holds a ticket.
func TicketKey(ticketID string) string { return prefix + "ticket/" + ticketID }

// TicketIndexKey lists the tickets in one status.
func TicketIndexKey(status string) string { return prefix + "idx/ticket/" + status }

// TicketListKey lists a chat group's tickets in one status, each at its place in the group's
// creation order (helpdesk.Ticket.Seq), so the newest page reads a chunk or two whatever the
// history, and a ticket saved keeps its place.
func TicketListKey(status, group string) string {
	return prefix + "idx/tlist/" + status + "/" + groupTag(group)
}

// TicketSeqKey counts a chat group's tickets: the next one's place in its creation order.
func TicketSeqKey(group string) string { return prefix + "tseq/" + groupTag(group) }

// TicketListsKey names the chat groups that have ticket lists, and whether the tickets of
// earlier versions are in them yet.
func TicketListsKey() string { return prefix + "tlists" }

// groupTag names a chat group in keys: hashed, since a group's name is free text (it may hold a
// slash) and the empty name (tickets of an unknown group) needs a key too.
func groupTag(group string) string {
	sum := sha256.Sum256([]byte("group:" + group))
	return hex.EncodeToString(sum[:8])
}

// OutboundPostKey claims an agent's post for sending, so one node sends it once.
func OutboundPostKey(postID string) string { return prefix + "outpost/" + postID }

// DeliveryKey holds the delivery state of a message we sent, moved only forward.
func DeliveryKey(wamid string) string { return prefix + "delivery/" + shortID(wamid) }

// InviteKey holds a pending invitation.
func InviteKey(inviteID string) string { return prefix + "invite/" + inviteID }

// NodeStatsKey holds one node's published counters.
func NodeStatsKey(node string) string { return prefix + "stats/" + node }

// NodeStatsIndexKey lists the nodes that published counters.
func NodeStatsIndexKey() string { return prefix + "idx/stats" }

// AdminAlertKey throttles an alert to system admins (set with a TTL).
func AdminAlertKey(kind string) string { return prefix + "alert/" + kind }

// OutboundRecordKey holds the send record of one post: its messages, progress and lease.
func OutboundRecordKey(postID string) string { return prefix + "outrec/" + postID }

// OutboundSendingIndexKey lists the posts whose send is in flight (leased by a node).
func OutboundSendingIndexKey() string { return prefix + "idx/outsending" }

// TicketOfConversationKey maps a conversation to its one ticket, so a close retried or repaired
// never makes a second ticket.
func TicketOfConversationKey(conversationID string) string {
	return prefix + "convticket/" + conversationID
}

// IndexHeadKey holds a chunked index's head (store.Index).
func IndexHeadKey(index string) string { return index + "/h" }

// IndexChunkKey holds one chunk of a chunked index's ids.
func IndexChunkKey(index string, n int64) string { return index + "/c/" + strconv.FormatInt(n, 10) }

// IndexEntryKey holds one id's slot in a chunked index.
func IndexEntryKey(index, id string) string { return index + "/e/" + shortID(id) }

// PersonConversationsIndexKey lists every conversation of a person (export, erase, merge).
func PersonConversationsIndexKey(personID string) string {
	return prefix + "idx/personconv/" + personID
}

// PersonTicketsIndexKey lists every ticket whose customer is a person (export, erase, merge).
func PersonTicketsIndexKey(personID string) string { return prefix + "idx/personticket/" + personID }

// ConversationLedgerIndexKey lists the ledger entries (by their LedgerKey) of a conversation, so
// an erasure can unlink them from the person without scanning the ledger.
func ConversationLedgerIndexKey(conversationID string) string {
	return prefix + "idx/convledger/" + conversationID
}

// ConversationPostsIndexKey lists the posts about a conversation outside its channel (invitation
// DMs, export files), so an erasure reaches them too.
func ConversationPostsIndexKey(conversationID string) string {
	return prefix + "idx/convposts/" + conversationID
}

// AuditKey holds one privacy audit entry (an erasure); the time prefix keeps a listing in order.
func AuditKey(atMillis int64, id string) string {
	return prefix + "audit/" + strconv.FormatInt(atMillis, 10) + "/" + id
}

// AuditIndexKey lists the privacy audit entries (by their AuditKey).
func AuditIndexKey() string { return prefix + "idx/audit" }

// ErasureKey holds the progress of one person's erasure, so a crashed erase is finished by
// running it again; it holds ids only and is deleted when the erasure completes.
func ErasureKey(personID string) string { return prefix + "erasure/" + personID }

// MigrationKey marks a once-per-cluster data migration as done.
func MigrationKey(name string) string { return prefix + "migrated/" + name }

// PersonPostsIndexKey lists the posts about a person outside conversation channels (export
// files DM'd to admins), so erasing the person removes them too.
func PersonPostsIndexKey(personID string) string { return prefix + "idx/personposts/" + personID }

// ErasuresIndexKey lists the people whose erasure is under way, so one interrupted midway is
// finished by the retention job.
func ErasuresIndexKey() string { return prefix + "idx/erasures" }

// AgentLoadKey holds the ids of the active conversations an agent attends, so distribution
// weighs agents' load without reading every conversation.
func AgentLoadKey(agentID string) string { return prefix + "agentload/" + agentID }

// PeopleSearchKey holds the search cards of the people one search term (a name token's first
// two letters, or four consecutive phone digits) leads to.
func PeopleSearchKey(term string) string { return prefix + "psearch/t/" + shortID(term) }

// PeopleSearchEntryKey holds a person's search terms, so a change or an erasure reaches exactly
// their buckets.
func PeopleSearchEntryKey(personID string) string { return prefix + "psearch/e/" + personID }

// WindowReminderKey claims the reminder of one customer-service window of a conversation (the
// window is named by the customer's last message time), so it is posted once across nodes.
func WindowReminderKey(convID string, lastInboundAt int64) string {
	return prefix + "remind/" + convID + "/" + strconv.FormatInt(lastInboundAt, 10)
}

// TicketSearchKey lists the ids of the tickets that have a search term (a word, tag or customer).
// The term is hashed: words of transcripts include names and phone numbers, which no key shows.
func TicketSearchKey(term string) string {
	sum := sha256.Sum256([]byte("tsearch:" + term))
	return prefix + "tsearch/t/" + hex.EncodeToString(sum[:16])
}

// TicketSearchEntryKey holds a ticket's search card and the terms it is listed under.
func TicketSearchEntryKey(ticketID string) string { return prefix + "tsearch/e/" + ticketID }

// MergeKey claims a person's merge into another (insert-if-absent: one target, ever).
func MergeKey(personID string) string { return prefix + "merge/" + personID }

// PaceKey counts the sends of one phone number in one pacing window, for the whole cluster.
func PaceKey(name string, window int64) string {
	return prefix + "pace/" + shortID(name) + "/" + strconv.FormatInt(window, 36)
}

// AgentPauseKey marks an agent who paused automatic distribution (absent = receiving).
func AgentPauseKey(userID string) string { return prefix + "pause/" + userID }

// ReportDayKey holds one chat group's indicator sums for one day (YYYY-MM-DD in its time zone).
func ReportDayKey(group, day string) string { return prefix + "rptday/" + shortID(group) + "/" + day }

// ReportCountedKey claims a closed conversation's one addition to the indicators.
func ReportCountedKey(conversationID string) string { return prefix + "rptconv/" + conversationID }

// ReactionStateKey holds whether an agent's reaction on a post was last sent to WhatsApp as added
// or removed, so each change is sent once whatever node or redelivery runs the hook.
func ReactionStateKey(postID, userID, emoji string) string {
	return prefix + "react/" + shortID(postID+"/"+userID+"/"+emoji)
}
