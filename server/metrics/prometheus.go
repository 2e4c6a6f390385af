package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric the plugin serves on the server's metrics listener.
const namespace = "whatsapp_helpdesk"

// help describes each counter; a name without an entry is still served, with a generic help.
var help = map[string]string{
	Received:   "Inbound WhatsApp messages processed, by message type.",
	Duplicate:  "Inbound WhatsApp messages delivered again and ignored.",
	Rejected:   "Webhook requests refused, by reason.",
	Statuses:   "Delivery statuses received, by status.",
	MediaRetry: "Inbound media downloads that failed and were queued for retry.",
	Sent:       "Messages WhatsApp accepted, by kind.",
	SendFailed: "Sends WhatsApp refused or that failed, by Graph error code.",
	Credits:    "Credits debited for accepted messages.",
}

// registry is one node's Prometheus state: a counter vector (label "reason") per counter name,
// created on first use, and the latency histograms.
type registry struct {
	reg      *prometheus.Registry
	counters map[string]*prometheus.CounterVec
	webhook  *prometheus.HistogramVec
	graph    *prometheus.HistogramVec
}

func newRegistry(version string) *registry {
	r := &registry{reg: prometheus.NewRegistry(), counters: map[string]*prometheus.CounterVec{}}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info", Help: "The running plugin version.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	info.Set(1)
	r.reg.MustRegister(info)
	r.webhook = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "webhook_duration_seconds",
		Help:      "Time to answer a WhatsApp webhook request, by HTTP status.",
		Buckets:   []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"status"})
	r.graph = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "graph_request_duration_seconds",
		Help:      "Time of one Graph API request, by endpoint and HTTP status (\"error\" when no answer came).",
		Buckets:   []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"endpoint", "status"})
	r.reg.MustRegister(r.webhook, r.graph)
	return r
}

// counter returns name's vector, registering it the first time; callers hold Counters.mu.
func (r *registry) counter(name string) *prometheus.CounterVec {
	if v, ok := r.counters[name]; ok {
		return v
	}
	h := help[name]
	if h == "" {
		h = "WhatsApp Helpdesk counter " + name + "."
	}
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name + "_total", Help: h}, []string{"reason"})
	r.reg.MustRegister(v)
	r.counters[name] = v
	return v
}

// Handler serves this node's metrics in Prometheus' text format (the ServeMetrics hook).
func (c *Counters) Handler() http.Handler {
	return promhttp.HandlerFor(c.prom.reg, promhttp.HandlerOpts{})
}

// ObserveWebhook records how long a webhook request took and how it was answered.
func (c *Counters) ObserveWebhook(status int, took time.Duration) {
	if c == nil {
		return
	}
	c.prom.webhook.WithLabelValues(strconv.Itoa(status)).Observe(took.Seconds())
}

// ObserveGraph records one Graph API request; status 0 means no answer (timeout, refused).
func (c *Counters) ObserveGraph(endpoint string, status int, took time.Duration) {
	if c == nil {
		return
	}
	label := "error"
	if status > 0 {
		label = strconv.Itoa(status)
	}
	c.prom.graph.WithLabelValues(endpoint, label).Observe(took.Seconds())
}

// Transport times every request made through next (the Graph API clients' transports), so the
// whatsapp package needs no knowledge of metrics.
func (c *Counters) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := next.RoundTrip(req)
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		c.ObserveGraph(GraphEndpoint(req.URL.Path, req.Method), status, time.Since(start))
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// GraphEndpoint names a Graph API path without its ids, to keep the label's values few:
// /v25.0/<phone>/messages -> "messages", /v25.0/<media id> -> "media_lookup", a CDN download ->
// "media_download".
func GraphEndpoint(path, method string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	last := parts[len(parts)-1]
	switch {
	case last == "messages", last == "media", last == "message_templates":
		return last
	case len(parts) == 2 && strings.HasPrefix(parts[0], "v") && method == http.MethodGet:
		return "media_lookup"
	case len(parts) == 2 && strings.HasPrefix(parts[0], "v"):
		return "object"
	default:
		return "media_download"
	}
}
