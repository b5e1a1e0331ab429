// Package yamlstrict decodes perfwatch's YAML configuration files strictly: an unknown
// field or a value of the wrong type is an error, and the error names the field's path
// (projects[0].keys) next to its line, which yaml.v3's own messages leave out.
package yamlstrict

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrEmpty is returned for a document with no content.
var ErrEmpty = errors.New("empty document")

// Decode decodes data into v, refusing unknown fields. Type errors are reported with
// the path of the field they concern.
func Decode(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return ErrEmpty
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			paths := FieldPaths(data)
			msgs := make([]string, len(te.Errors))
			for i, m := range te.Errors {
				msgs[i] = m
				var line int
				if _, serr := fmt.Sscanf(m, "line %d:", &line); serr == nil && paths[line] != "" {
					msgs[i] = fmt.Sprintf("%s (line %d): %s", paths[line], line, strings.TrimSpace(m[strings.IndexByte(m, ':')+1:]))
				}
			}
			return errors.New(strings.Join(msgs, "; "))
		}
		return err
	}
	return nil
}

// FieldPaths maps the lines of a YAML document to the path of the field whose value
// starts there (projects[0].keys), for error messages. A document that does not parse
// gives an empty map.
func FieldPaths(data []byte) map[int]string {
	paths := map[int]string{}
	Walk(data, func(path string, key, value *yaml.Node) {
		if key == nil { // a list item: the line keeps the first field that starts there
			if _, ok := paths[value.Line]; !ok {
				paths[value.Line] = path
			}
			return
		}
		paths[value.Line] = path
		paths[key.Line] = path
	})
	return paths
}

// Walk calls visit for every field of a YAML document, parents before children, with
// its path (projects[0].keys): for a mapping entry with its key and value nodes, for a
// list item with a nil key. A document that does not parse is not walked.
func Walk(data []byte, visit func(path string, key, value *yaml.Node)) {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				visit(p, n.Content[i], n.Content[i+1])
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				visit(p, nil, c)
				walk(c, p)
			}
		}
	}
	walk(&root, "")
}
