package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules keeps the layering of design.md: the domain imports only
// the standard library, adapters never import each other, and only app/
// (and main, which wires it) knows Wails.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/guiseapp/guise/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := strings.TrimPrefix(fields[0], mod), fields[1:]
		for _, imp := range imports {
			local := strings.HasPrefix(imp, mod)
			switch {
			case pkg == "backend/guise" && (local || strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")):
				t.Errorf("the domain imports %s; it may import only the standard library", imp)
			case strings.HasPrefix(pkg, "backend/") && local && imp != mod+"backend/guise":
				t.Errorf("%s imports %s: adapters import only the domain", pkg, strings.TrimPrefix(imp, mod))
			case strings.Contains(imp, "wailsapp/wails") && pkg != "app":
				t.Errorf("%s imports Wails; only app/ may", pkg)
			}
		}
	}
}

// TestTLSVerificationIsNeverDisabled: no Go source outside tests turns off
// certificate checks, for any provider.
func TestTLSVerificationIsNeverDisabled(t *testing.T) {
	out, _ := exec.Command("grep", "-rln", "--include=*.go", "--exclude=*_test.go", "--exclude-dir=node_modules", "InsecureSkipVerify", "..").Output()
	if files := strings.TrimSpace(string(out)); files != "" {
		t.Fatalf("TLS verification is disabled in:\n%s", files)
	}
}
