// Package harness runs a real plugin binary the way the Mattermost server does, through
// plugin.NewEnvironment (the server's own supervisor and go-plugin RPC), against the
// in-memory mmfake server. Several nodes sharing one mmfake.Store make an HA cluster: each
// node has its own plugin directory and process; post and reaction hooks run on the node
// where the change was made, cluster events reach every other node, configuration changes
// reach every node.
//
// A test package using it:
//
//	func TestMain(m *testing.M) { harness.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		store := mmfake.NewStore()
//		alice := store.NewUser("alice")
//		team := store.NewTeam("acme", alice.Id)
//
//		c := harness.New(t, harness.Options{
//			ManifestPath:   "../../plugin.json",
//			BinaryPath:     harness.BuildPlugin(t, "../../server"),
//			Nodes:          2,
//			Store:          store,
//			PluginSettings: map[string]any{"Greeting": "hi"},
//		})
//		rec := c.Node(0).ServeHTTP(httptest.NewRequest("GET", "/api/v1/status", nil), alice.Id)
//		...
//		c.WaitIdle() // let asynchronous hooks finish before asserting on their effects
//	}
//
// At cleanup the cluster stops every plugin process and fails the test if a plugin
// panicked or, when built with -race, raced.
package harness
