package api

import (
	"encoding/json"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

// openAPI renders an OpenAPI 3.1 document from the route table, so the
// document cannot drift from the routes that are served.
func (s *Server) openAPI() []byte {
	errResp := map[string]any{"description": "Error with a stable code", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	paths := map[string]map[string]any{}
	for _, rt := range s.table() {
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": strings.ToLower(rt.method) + strings.NewReplacer("/", "_", "{", "", "}", "").Replace(rt.path),
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{}}},
				"default": errResp,
			},
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
		if rt.method == "POST" {
			schema := "SubmitRequest"
			if rt.path == "/v1/txs/batch" {
				schema = "SubmitBatchRequest"
			}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + schema}}}}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	paths["/metrics"] = map[string]any{"get": map[string]any{"summary": "Prometheus metrics", "responses": map[string]any{"200": map[string]any{"description": "text exposition format"}}}}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "pnyx API", "version": "1", "description": "The party chain's HTTP API. Errors carry stable numeric codes (package codes)."},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"pnyxSignedRead": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization",
				"description": "Pnyx key=<hex>,time=<unix>,sig=<hex>: Ed25519 over \"pnyx/read/v1\\0\" chainID \\0 METHOD \\0 URI \\0 time"}},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{"type": "object", "properties": map[string]any{
					"code": map[string]any{"type": "integer"}, "name": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}},
				"SubmitRequest": map[string]any{"type": "object", "required": []string{"tx"}, "properties": map[string]any{
					"tx": map[string]any{"type": "string", "format": "byte", "description": "encoded envelope (package tx)"}, "wait": map[string]any{"type": "boolean"}}},
				"SubmitBatchRequest": map[string]any{"type": "object", "required": []string{"txs"}, "properties": map[string]any{
					"txs": map[string]any{"type": "array", "maxItems": MaxBatchTxs, "items": map[string]any{"type": "string", "format": "byte", "description": "encoded envelope (package tx)"}}}},
			},
		},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return b
}
