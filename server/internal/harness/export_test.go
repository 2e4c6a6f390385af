package harness

var PluginRace = pluginRace
