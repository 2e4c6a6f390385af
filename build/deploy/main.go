// Command deploy uploads the plugin bundle to a running Mattermost server and enables it, for a
// developer with a local server: MM_SERVICESETTINGS_SITEURL plus MM_ADMIN_TOKEN (a personal access
// token of a system admin) or MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD.
//
//	go run ./build/deploy <plugin id> <bundle.tar.gz>
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/pkg/errors"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: deploy <plugin id> <bundle.tar.gz>")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := deploy(ctx, os.Getenv, os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "deploy:", err)
		os.Exit(1)
	}
	fmt.Printf("deploy: %s uploaded and enabled\n", os.Args[1])
}

// deploy logs in as the environment says, uploads the bundle (replacing an installed version)
// and enables the plugin.
func deploy(ctx context.Context, env func(string) string, pluginID, bundlePath string) error {
	siteURL := env("MM_SERVICESETTINGS_SITEURL")
	if siteURL == "" {
		return errors.New("MM_SERVICESETTINGS_SITEURL is not set (e.g. http://localhost:8065)")
	}
	client := model.NewAPIv4Client(siteURL)
	switch token, user, password := env("MM_ADMIN_TOKEN"), env("MM_ADMIN_USERNAME"), env("MM_ADMIN_PASSWORD"); {
	case token != "":
		client.SetToken(token)
	case user != "" && password != "":
		if _, _, err := client.Login(ctx, user, password); err != nil {
			return errors.Wrap(err, "failed to log in")
		}
	default:
		return errors.New("set MM_ADMIN_TOKEN, or MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD")
	}

	bundle, err := os.Open(bundlePath)
	if err != nil {
		return errors.Wrap(err, "failed to open the bundle; run `make dist` first")
	}
	defer func() { _ = bundle.Close() }()
	manifest, _, err := client.UploadPluginForced(ctx, bundle)
	if err != nil {
		return errors.Wrap(err, "failed to upload the bundle (is plugin upload enabled: PluginSettings.EnableUploads?)")
	}
	if manifest != nil && manifest.Id != pluginID {
		return errors.Errorf("the server installed %q, expected %q", manifest.Id, pluginID)
	}
	if _, err := client.EnablePlugin(ctx, pluginID); err != nil {
		return errors.Wrap(err, "failed to enable the plugin")
	}
	return nil
}
