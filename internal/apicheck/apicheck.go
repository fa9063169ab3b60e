package apicheck

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"testing"
)

// Check reads the package in dir as go doc shows it and reports, through
// t, every exported name without a doc comment and every exported signature
// or type that names an unexported type, which a reader of the docs could
// not look up.
func Check(t testing.TB, dir, importPath string) {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		t.Fatal(err)
	}

	undocumented := func(what, text string) {
		if strings.TrimSpace(text) == "" {
			t.Errorf("%s has no doc comment", what)
		}
	}
	hidden := func(what string, expr ast.Expr) {
		if expr == nil {
			return
		}
		for _, name := range unexportedTypeNames(expr) {
			t.Errorf("%s shows the unexported type %s", what, name)
		}
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				for _, n := range vs.Names {
					if n.IsExported() {
						doc := v.Doc
						if vs.Doc != nil {
							doc += vs.Doc.Text()
						}
						undocumented(n.Name, doc)
						hidden(n.Name, vs.Type)
					}
				}
			}
		}
	}
	funcs := func(fs []*doc.Func) {
		for _, f := range fs {
			name := f.Name
			if f.Recv != "" {
				name = f.Recv + "." + f.Name
			}
			undocumented(name, f.Doc)
			hidden(name, f.Decl.Type)
		}
	}

	values(pkg.Consts)
	values(pkg.Vars)
	funcs(pkg.Funcs)
	for _, typ := range pkg.Types {
		undocumented(typ.Name, typ.Doc)
		for _, spec := range typ.Decl.Specs {
			hidden(typ.Name, spec.(*ast.TypeSpec).Type)
		}
		values(typ.Consts)
		values(typ.Vars)
		funcs(typ.Funcs)
		funcs(typ.Methods)
	}
}

// unexportedTypeNames lists the package-level unexported identifiers in a
// type expression that go/doc has already filtered (so unexported struct
// fields and interface methods are gone). Field and parameter names are
// not types and are skipped.
func unexportedTypeNames(expr ast.Expr) []string {
	var found []string
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			ast.Inspect(n.Type, walk)
			return false
		case *ast.SelectorExpr:
			return false // another package's exported name
		case *ast.Ident:
			if !n.IsExported() && types.Universe.Lookup(n.Name) == nil {
				found = append(found, n.Name)
			}
		}
		return true
	}
	ast.Inspect(expr, walk)
	return found
}
