module github.com/scoped-go/scoped

go 1.26
