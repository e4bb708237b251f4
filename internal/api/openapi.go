package api

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/pnyx-party/pnyx/wire"
)

var pathParam = regexp.MustCompile(`\{(\w+)(\.\.\.)?\}`)

// openAPI renders an OpenAPI 3.1 document from the route table, so the
// document cannot drift from the routes that are served. Response and
// request schemas are reflected from the Go types the handlers write
// (package wire), so they cannot drift from the JSON either.
func (s *Server) openAPI() []byte {
	sc := newSchemas()
	errResp := map[string]any{"description": "Error with a stable code (package codes)", "content": jsonContent(sc.of(reflect.TypeOf(wire.ErrorBody{})))}
	paths := map[string]map[string]any{}
	for _, rt := range s.table() {
		ok := map[string]any{"description": "OK"}
		if rt.out != nil {
			ok["content"] = jsonContent(sc.of(reflect.TypeOf(rt.out)))
		}
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": strings.ToLower(rt.method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "").Replace(rt.path),
			"responses":   map[string]any{"200": ok, "default": errResp},
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if rt.provable {
			params = append(params, map[string]any{"name": "prove", "in": "query", "description": "Include a proof that `pnyx verify proof` checks offline", "schema": map[string]any{"type": "boolean"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.signed {
			op["security"] = []map[string]any{{"pnyxSignedRead": []string{}}}
		}
		switch rt.path {
		case "/v1/txs":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": sc.of(reflect.TypeOf(wire.SubmitRequest{}))},
				wire.RawTxType:     map[string]any{"schema": map[string]any{"type": "string", "format": "binary", "description": "the encoded envelope (package tx); ?wait=1 to wait for commit"}},
			}}
		case "/v1/txs/batch":
			op["requestBody"] = map[string]any{"required": true, "content": jsonContent(sc.of(reflect.TypeOf(wire.SubmitBatchRequest{})))}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	// The transaction types come from the same table the chain routes by:
	// every module spec's routes, with their body structs.
	var txTypes []map[string]any
	if s.app != nil {
		for _, sp := range s.app.Specs() {
			for _, r := range sp.Routes {
				t := map[string]any{"type": r.Type, "module": sp.Name}
				if r.Anonymous {
					t["anonymous"] = true
				}
				if b := r.Body(); b != nil {
					t["body"] = sc.of(b)
				}
				txTypes = append(txTypes, t)
			}
		}
	}
	paths["/metrics"] = map[string]any{"get": map[string]any{"summary": "Prometheus metrics", "responses": map[string]any{"200": map[string]any{"description": "text exposition format"}}}}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "pnyx API", "version": "1", "description": "The party chain's HTTP API. Errors carry stable numeric codes (package codes). The JSON shapes are package wire's types."},
		"paths":   paths,
		// x-pnyx-transactions lists every tx type a submitted envelope may
		// carry, its module, and the schema of its canonical JSON body.
		"x-pnyx-transactions": txTypes,
		"components": map[string]any{
			"securitySchemes": map[string]any{"pnyxSignedRead": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization",
				"description": "Pnyx key=<hex>,time=<unix>,sig=<hex>: Ed25519 over \"pnyx/read/v1\\0\" chainID \\0 METHOD \\0 URI \\0 time"}},
			"schemas": sc.defs,
		},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return b
}

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// fieldNotes adds what a Go type cannot say about a field: the format of a
// string, a bound, a meaning. Keyed by schema name and JSON field name.
var fieldNotes = map[string]map[string]any{
	"SubmitRequest.tx":       {"format": "byte", "description": "the encoded envelope (package tx), base64"},
	"SubmitRequest.wait":     {"description": "answer only once the tx is committed"},
	"SubmitBatchRequest.txs": {"maxItems": wire.MaxBatchTxs, "description": "encoded envelopes (package tx), base64"},
	"TxResult.stage":         {"enum": []string{"check", "commit", ""}, "description": "check: CheckTx answered; commit: in a block; empty: the node never took the tx"},
	"TxResult.code":          {"description": "0 for success, else a stable code (package codes)"},
	"TxResult.events":        {"description": "events the committed tx emitted, in order; absent before commit or when none. Not hashed into the header: prove records, not events"},
	"Record.record":          {"description": "the stored record as is: the bytes a proof covers"},
	"Record.proof":           {"description": "with ?prove=1: a proof.StateProof that `pnyx verify proof` checks offline. Its state_version is height, or height-1 when the latest block left the record unchanged (that header already exists, so the read need not wait for the next block)"},
}

// schemas collects the named object schemas of components/schemas.
type schemas struct {
	defs  map[string]any
	types map[string]reflect.Type // which type took each name
}

func newSchemas() *schemas {
	return &schemas{defs: map[string]any{}, types: map[string]reflect.Type{}}
}

// name is t's schema name: its Go name, qualified by its package's name when
// two packages' types share it.
func (sc *schemas) name(t reflect.Type) string {
	name := t.Name()
	if other, ok := sc.types[name]; ok && other != t {
		pkg := t.PkgPath()
		name = pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
	}
	return name
}

var (
	rawMessage = reflect.TypeOf(json.RawMessage(nil))
	timeType   = reflect.TypeOf(time.Time{})
	marshaler  = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
)

// of returns the schema of t as encoding/json writes it; a named struct
// becomes a $ref to its entry in sc.
func (sc *schemas) of(t reflect.Type) map[string]any {
	switch {
	case t == rawMessage:
		return map[string]any{"description": "any JSON value"}
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler):
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return sc.of(t.Elem())
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": sc.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": sc.of(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return sc.object(t, "")
		}
		name := sc.name(t)
		if _, seen := sc.types[name]; !seen {
			sc.types[name] = t // first, for a type that refers to itself
			sc.defs[name] = sc.object(t, name)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// object is a struct's schema: its JSON fields, embedded structs' fields
// inlined, fields without omitempty required.
func (sc *schemas) object(t reflect.Type, name string) map[string]any {
	props := map[string]any{}
	var required []string
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			jname, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && jname == "" && f.Type.Kind() == reflect.Struct {
				add(f.Type)
				continue
			}
			if jname == "" {
				jname = f.Name
			}
			p := sc.of(f.Type)
			if notes, ok := fieldNotes[name+"."+jname]; ok {
				p = withNotes(p, notes)
			}
			props[jname] = p
			if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
				required = append(required, jname)
			}
		}
	}
	add(t)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

// withNotes merges notes into a field schema; a $ref cannot carry siblings
// in every tool, so a referenced schema is wrapped in allOf.
func withNotes(p, notes map[string]any) map[string]any {
	if _, ref := p["$ref"]; ref {
		p = map[string]any{"allOf": []any{p}}
	}
	out := map[string]any{}
	for k, v := range p {
		out[k] = v
	}
	for k, v := range notes {
		out[k] = v
	}
	return out
}
