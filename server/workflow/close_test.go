package workflow

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/whatsapp-helpdesk/mattermost-plugin-whatsapp-helpdesk/server/helpdesk"
)

func TestMergeTranscriptFollowsTheConversationsRealOrder(t *testing.T) {
	in := func(text string, waMillis, arrival int64) orderedLine {
		return orderedLine{line: helpdesk.TranscriptLine{Text: text, Direction: "inbound", At: waMillis}, arrival: arrival}
	}
	out := func(text string, at int64) orderedLine {
		return orderedLine{line: helpdesk.TranscriptLine{Text: text, Direction: "outbound", At: at}, arrival: at}
	}
	got := mergeTranscript(
		[]orderedLine{
			in("primeira", 10_000, 10_100), // two messages of the same second, in arrival order
			in("segunda", 10_000, 10_200),
			in("documento", 11_000, 11_900), // same second as the reply, arrived after it
			in("atrasada", 9_000, 12_500),   // written before anything else, delivered late
		},
		[]orderedLine{out("resposta", 11_400)},
	)
	var texts []string
	for _, l := range got {
		texts = append(texts, l.Text)
	}
	assert.Equal(t, []string{"atrasada", "primeira", "segunda", "resposta", "documento"}, texts)
}
