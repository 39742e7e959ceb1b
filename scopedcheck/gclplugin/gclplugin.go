// Package gclplugin registers the scopedcheck analyzers as a golangci-lint
// module plugin named "scopedcheck". golangci-lint builds it into a custom
// binary from a .custom-gcl.yml that names this package:
//
//	version: v2.15.0
//	plugins:
//	  - module: github.com/scoped-go/scoped/scopedcheck
//	    import: github.com/scoped-go/scoped/scopedcheck/gclplugin
//	    version: latest
//
// and enables it in .golangci.yml:
//
//	linters:
//	  enable:
//	    - scopedcheck
//	  settings:
//	    custom:
//	      scopedcheck:
//	        type: module
//	        settings:
//	          disable: [migrate]
//
// See [Settings] for what settings takes.
package gclplugin

import (
	"fmt"
	"slices"

	"github.com/golangci/plugin-module-register/register"
	"github.com/scoped-go/scoped/scopedcheck"
	"golang.org/x/tools/go/analysis"
)

func init() { register.Plugin("scopedcheck", New) }

// Settings is the plugin's settings block in .golangci.yml. Disable names
// analyzers of [scopedcheck.Analyzers] to leave out (for example
// "migrate"); every other one runs. An unknown name is an error, so that
// a typo does not silently keep a check on.
type Settings struct {
	Disable []string `json:"disable"`
}

// New returns the plugin for the settings golangci-lint decoded from its
// configuration (nil for none). It fails, with an error prefixed
// "scopedcheck:", on settings that are not a [Settings] or that name an
// unknown analyzer.
func New(settings any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](settings)
	if err != nil {
		return nil, fmt.Errorf("scopedcheck: %w", err)
	}
	for _, name := range s.Disable {
		if !slices.ContainsFunc(scopedcheck.Analyzers, func(a *analysis.Analyzer) bool { return a.Name == name }) {
			return nil, fmt.Errorf("scopedcheck: settings: no analyzer named %q to disable", name)
		}
	}
	return plugin{settings: s}, nil
}

type plugin struct{ settings Settings }

// BuildAnalyzers returns the analyzers not disabled, in the order of
// scopedcheck.Analyzers.
func (p plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	var as []*analysis.Analyzer
	for _, a := range scopedcheck.Analyzers {
		if !slices.Contains(p.settings.Disable, a.Name) {
			as = append(as, a)
		}
	}
	return as, nil
}

// GetLoadMode asks for type information: every analyzer needs it.
func (plugin) GetLoadMode() string { return register.LoadModeTypesInfo }
