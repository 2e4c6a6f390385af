// Package mmfake is an in-memory Mattermost server as seen by a plugin: an implementation
// of plugin.API backed by a Store that several API values (one per plugin process, or
// "node") share, so a test can run an HA cluster of real plugin binaries against one
// database.
//
// Methods the fake models follow the real server's semantics where plugins can observe
// them (KV compare-and-set rules, expiry, validation errors, hooks fired after posts,
// secret settings masked in GetConfig). Every other method comes from the generated Base
// and answers a 501 *model.AppError (or an error) instead of panicking inside net/rpc.
//
// Server-side hook invocations (MessageHasBeenPosted, OnPluginClusterEvent, ...) are
// reported through Events; package harness routes them to plugin processes.
package mmfake

//go:generate go run ./gen -o base_gen.go
//go:generate go run ./gen -counting -o counting_gen.go
