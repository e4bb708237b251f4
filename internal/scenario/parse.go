package scenario

import (
	"fmt"
	"strings"
)

// Directive is one step of a scenario file: a command line, its input and
// the expected output.
type Directive struct {
	// Pos is "file:line" of the command line, for messages.
	Pos  string
	Cmd  string
	Args []Arg
	// Input is the text between the command line and "----".
	Input string
	// Expected is the text after "----", without the final newline.
	Expected string
}

// Arg is one argument of a command line: "key", "key=val" or
// "key=(a,b,c)". Positional arguments have a Key and no Vals.
type Arg struct {
	Key  string
	Vals []string
}

// Parse reads a scenario file in the datadriven format, the same one
// github.com/cockroachdb/datadriven reads in tests, without package testing:
//
//	# a comment
//	cmd arg key=val key=(a,b)
//	input lines
//	----
//	output lines
//
// A blank line ends the output. An output that must hold blank lines goes
// between two "----" lines and ends with two "----" lines, as datadriven
// writes it.
func Parse(name, text string) ([]Directive, error) {
	lines := strings.Split(text, "\n")
	var out []Directive
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		d := Directive{Pos: fmt.Sprintf("%s:%d", name, i+1)}
		// A command line may continue over several lines ending in "\".
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(lines[i])
		}
		var err error
		if d.Cmd, d.Args, err = ParseLine(line); err != nil {
			return nil, fmt.Errorf("%s: %v", d.Pos, err)
		}
		var input []string
		i++
		for ; i < len(lines) && lines[i] != "----"; i++ {
			input = append(input, lines[i])
		}
		d.Input = strings.TrimSpace(strings.Join(input, "\n"))
		if i >= len(lines) {
			out = append(out, d)
			break
		}
		i++
		var exp []string
		if i < len(lines) && lines[i] == "----" {
			// The blank-line-tolerant form ends with "----\n----".
			for i++; i+1 < len(lines) && !(lines[i] == "----" && lines[i+1] == "----"); i++ {
				exp = append(exp, lines[i])
			}
			i++
		} else {
			for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
				exp = append(exp, lines[i])
			}
		}
		d.Expected = strings.Join(exp, "\n")
		out = append(out, d)
	}
	return out, nil
}

// ParseLine splits a command line into the command and its arguments with
// datadriven.ParseLine's rules: an argument ends at a space, and a value
// that starts with "(" runs to its matching ")" and splits at its top-level
// commas.
func ParseLine(line string) (cmd string, args []Arg, err error) {
	line = strings.TrimSpace(line)
	until := func(chars string) string {
		i := strings.IndexAny(line, chars)
		if i < 0 {
			i = len(line)
		}
		res := line[:i]
		line = line[i:]
		return res
	}
	if cmd = until(" "); cmd == "" {
		return "", nil, fmt.Errorf("empty command line")
	}
	line = strings.TrimSpace(line)
	for line != "" {
		a := Arg{Key: until(" =")}
		if a.Key == "" {
			return "", nil, fmt.Errorf("cannot parse %q", line)
		}
		if line != "" && line[0] == '=' {
			line = line[1:]
			switch {
			case line == "" || line[0] == ' ':
				a.Vals = []string{""}
			case line[0] != '(':
				a.Vals = []string{until(" ")}
			default:
				depth, start, i := 1, 1, 1
				for depth > 0 {
					if i == len(line) {
						return "", nil, fmt.Errorf("unbalanced '(' in %q", line)
					}
					c := line[i]
					i++
					switch c {
					case ',':
						if depth == 1 {
							a.Vals = append(a.Vals, line[start:i-1])
							for i < len(line) && line[i] == ' ' {
								i++
							}
							start = i
						}
					case '(':
						depth++
					case ')':
						depth--
					}
				}
				a.Vals = append(a.Vals, line[start:i-1])
				line = line[i:]
			}
		}
		args = append(args, a)
		line = strings.TrimSpace(line)
	}
	return cmd, args, nil
}
