// Package bintest drives the real plugin binary through plugin.NewEnvironment (real go-plugin
// RPC and hooks) against an in-memory Mattermost and a fake Graph API, the way users do: Meta
// delivers signed webhooks, agents post, click buttons, run /whatsapp and call the HTTP API.
package bintest
