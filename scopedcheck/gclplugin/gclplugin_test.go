package gclplugin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/golangci/plugin-module-register/register"
	"github.com/scoped-go/scoped/scopedcheck/gclplugin"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRegistered(t *testing.T) {
	newPlugin, err := register.GetPlugin("scopedcheck")
	if err != nil {
		t.Fatalf("GetPlugin(scopedcheck) = %v", err)
	}
	p, err := newPlugin(nil)
	if err != nil {
		t.Fatalf("new plugin(nil) = %v", err)
	}
	as, err := p.BuildAnalyzers()
	if err != nil || len(as) != 6 {
		t.Fatalf("BuildAnalyzers() = %d analyzers, %v want 6, nil", len(as), err)
	}
	if got := p.GetLoadMode(); got != register.LoadModeTypesInfo {
		t.Errorf("GetLoadMode() = %q want %q", got, register.LoadModeTypesInfo)
	}
}

func TestSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings any
		want     string // analyzer names, or the error's start
	}{
		{"none", nil, "groupctx goafterwait lostwait nurseryescape barego migrate"},
		{"disable", map[string]any{"disable": []any{"migrate", "barego"}}, "groupctx goafterwait lostwait nurseryescape"},
		{"unknown analyzer", map[string]any{"disable": []any{"migrat"}}, `scopedcheck: settings: no analyzer named "migrat" to disable`},
		{"unknown field", map[string]any{"enable": []any{"migrate"}}, "scopedcheck: decoding settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := gclplugin.New(tt.settings)
			if err != nil {
				if !strings.HasPrefix(err.Error(), tt.want) {
					t.Errorf("New(%v) = %v want %s", tt.settings, err, tt.want)
				}
				return
			}
			as, _ := p.BuildAnalyzers()
			var names []string
			for _, a := range as {
				names = append(names, a.Name)
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("New(%v).BuildAnalyzers() = %s want %s", tt.settings, got, tt.want)
			}
		})
	}
}

// golangci-lint calls New with the settings block of .golangci.yml,
// decoded from YAML.
func ExampleNew() {
	p, err := gclplugin.New(map[string]any{"disable": []any{"migrate"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	as, _ := p.BuildAnalyzers()
	for _, a := range as {
		fmt.Print(a.Name, " ")
	}
	fmt.Println()
	// Output: groupctx goafterwait lostwait nurseryescape barego
}

// Settings as .golangci.yml gives them; an unknown analyzer is an error.
func ExampleSettings() {
	_, err := gclplugin.New(map[string]any{"disable": []any{"lostwiat"}})
	fmt.Println(err)
	// Output: scopedcheck: settings: no analyzer named "lostwiat" to disable
}
