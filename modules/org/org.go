// Package org holds the party's organisation on chain: the chapter tree
// (central party → metropolitan/provincial chapters 시도당 → constituency
// chapters 당원협의회) and the roles granted to members over a chapter's
// subtree.
//
// Every other module asks org before it acts for an official:
//
//	if err := o.Authorize(ctx, org.Registrar, member.Chapter); err != nil {
//		return err // codes.Unauthorized: "member m… lacks role registrar at seoul-gangnam-a or above"
//	}
//
// A grant at chapter C covers C and every chapter below it. The admin role
// lets its holder create child chapters and grant or revoke any role within
// its subtree; admin itself can only be granted from strictly above, so no
// official can raise their own standing. Roles count only while their holder
// is an active member.
package org

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pnyx-party/pnyx/codes"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
)

// Role names a power scoped to a chapter subtree.
type Role string

// The roles. Their names are stable: they appear in state and in errors.
const (
	Admin                Role = "admin"
	Registrar            Role = "registrar"
	Secretary            Role = "secretary"
	Moderator            Role = "moderator"
	ElectionCommissioner Role = "election_commissioner"
	KPIAttestor          Role = "kpi_attestor"
	Treasurer            Role = "treasurer"
	CredentialIssuer     Role = "credential_issuer"
	Trustee              Role = "trustee"
)

// Roles lists every role in a fixed order.
var Roles = []Role{Admin, Registrar, Secretary, Moderator, ElectionCommissioner, KPIAttestor, Treasurer, CredentialIssuer, Trustee}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Chapter levels, derived from the parent: the root is central, its children
// metropolitan, theirs constituency, which have no children.
const (
	LevelCentral      = "central"
	LevelMetropolitan = "metropolitan"
	LevelConstituency = "constituency"
)

// Chapter is one node of the tree. Names are public organisation names.
// Chapters are only ever added: none moves to another parent or goes
// away, so today's tree places a chapter as it was placed at any earlier
// height. An election's eligibility relies on it (it reads the registry
// of weeks ago from today's records); a way to move or close chapters
// would have to give chapters a history as members have one.
type Chapter struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Parent    string `json:"parent,omitempty"`
	Level     string `json:"level"`
	CreatedAt int64  `json:"created_at"`
	Height    int64  `json:"height"`
}

// Grant records that a member holds a role over a chapter's subtree.
type Grant struct {
	Member    string `json:"member"`
	Role      Role   `json:"role"`
	Chapter   string `json:"chapter"`
	GrantedBy string `json:"granted_by"`
	GrantedAt int64  `json:"granted_at"`
	Height    int64  `json:"height"`
}

// Transaction types handled by org.
const (
	TypeCreateChapter = "chapter/create"
	TypeGrantRole     = "role/grant"
	TypeRevokeRole    = "role/revoke"
)

// CreateChapterBody creates a chapter under Parent.
type CreateChapterBody struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Parent string `json:"parent"`
}

// RoleBody grants or revokes Role at Chapter for Member.
type RoleBody struct {
	Member  string `json:"member"`
	Role    Role   `json:"role"`
	Chapter string `json:"chapter"`
}

// Directory answers the one question org asks about members.
type Directory interface {
	// IsActive reports whether id is a member in good standing.
	IsActive(kv store.Reader, id string) bool
}

// Org is the module. It holds no state of its own beyond the store.
type Org struct {
	Members Directory
}

var chapterIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)

// ValidChapterID reports whether id is a well-formed chapter ID.
func ValidChapterID(id string) bool { return chapterIDPattern.MatchString(id) }

func chapterKey(id string) string                { return "org/ch/" + id }
func childKey(parent, id string) string          { return "org/kids/" + parent + "/" + id }
func grantKey(m string, r Role, c string) string { return "org/g/" + m + "/" + string(r) + "/" + c }
func grantByChapterKey(c string, r Role, m string) string {
	return "org/gc/" + c + "/" + string(r) + "/" + m
}

// Spec describes the module to the chain.
func (o *Org) Spec() module.Spec {
	return module.Spec{Name: "org", Routes: []module.Route{
		module.Handle(TypeCreateChapter, o.createChapter),
		module.Handle(TypeGrantRole, o.grantRole),
		module.Handle(TypeRevokeRole, o.revokeRole),
	}}
}

// CreateRoot writes the root chapter at genesis.
func CreateRoot(kv store.KV, id, name string, at int64) error {
	if !ValidChapterID(id) {
		return codes.InvalidArgument.Errorf("root chapter ID %q is not of the form [a-z0-9-]", id)
	}
	if err := validName(name); err != nil {
		return err
	}
	module.Put(kv, chapterKey(id), Chapter{ID: id, Name: name, Level: LevelCentral, CreatedAt: at})
	kv.Set([]byte("org/root"), []byte(id))
	return nil
}

// PutGrant writes a grant without authority checks; genesis uses it for the
// first administrators.
func PutGrant(kv store.KV, g Grant) {
	module.Put(kv, grantKey(g.Member, g.Role, g.Chapter), g)
	kv.Set([]byte(grantByChapterKey(g.Chapter, g.Role, g.Member)), []byte{1})
}

func validName(name string) error {
	n := utf8.RuneCountInString(name)
	if !utf8.ValidString(name) || n == 0 || n > 100 || strings.TrimSpace(name) != name {
		return codes.InvalidArgument.Errorf("chapter name must be 1-100 characters of UTF-8 without surrounding spaces")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return codes.InvalidArgument.Errorf("chapter name contains a control character")
		}
	}
	return nil
}

func (o *Org) createChapter(ctx *module.Context, b CreateChapterBody) error {
	if !ValidChapterID(b.ID) {
		return codes.InvalidArgument.Errorf("chapter ID %q must be 1-48 of [a-z0-9-], starting with a letter or digit", b.ID)
	}
	if err := validName(b.Name); err != nil {
		return err
	}
	parent, ok := GetChapter(ctx.Store, b.Parent)
	if !ok {
		return codes.NotFound.Errorf("parent chapter %q does not exist", b.Parent)
	}
	var level string
	switch parent.Level {
	case LevelCentral:
		level = LevelMetropolitan
	case LevelMetropolitan:
		level = LevelConstituency
	default:
		return codes.InvalidArgument.Errorf("chapter %q is a constituency chapter and cannot have children", b.Parent)
	}
	if err := o.Authorize(ctx, Admin, b.Parent); err != nil {
		return err
	}
	if _, exists := GetChapter(ctx.Store, b.ID); exists {
		return codes.AlreadyExists.Errorf("chapter %q exists already", b.ID)
	}
	module.Put(ctx.Store, chapterKey(b.ID), Chapter{ID: b.ID, Name: b.Name, Parent: b.Parent, Level: level, CreatedAt: ctx.Unix(), Height: ctx.Height})
	ctx.Store.Set([]byte(childKey(b.Parent, b.ID)), []byte{1})
	ctx.Emit("chapter.created", "chapter", b.ID, "parent", b.Parent, "level", level)
	return nil
}

// checkRoleChange validates a grant or revoke and the caller's authority:
// admin over the chapter for most roles, admin strictly above it for admin.
func (o *Org) checkRoleChange(ctx *module.Context, b RoleBody) error {
	if !b.Role.Valid() {
		return codes.InvalidArgument.Errorf("unknown role %q (known: %s)", b.Role, roleList())
	}
	ch, ok := GetChapter(ctx.Store, b.Chapter)
	if !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", b.Chapter)
	}
	scope := b.Chapter
	if b.Role == Admin {
		if ch.Parent == "" {
			return codes.Unauthorized.Errorf("admin at the root chapter %q is set only in genesis", b.Chapter)
		}
		scope = ch.Parent
	}
	return o.Authorize(ctx, Admin, scope)
}

func (o *Org) grantRole(ctx *module.Context, b RoleBody) error {
	if err := o.checkRoleChange(ctx, b); err != nil {
		return err
	}
	if !o.Members.IsActive(ctx.Store, b.Member) {
		return codes.WrongState.Errorf("member %q is not an active member; roles go only to active members", b.Member)
	}
	if ctx.Store.Get([]byte(grantKey(b.Member, b.Role, b.Chapter))) != nil {
		return codes.AlreadyExists.Errorf("member %s holds %s at %s already", b.Member, b.Role, b.Chapter)
	}
	PutGrant(ctx.Store, Grant{Member: b.Member, Role: b.Role, Chapter: b.Chapter, GrantedBy: ctx.Caller.MemberID, GrantedAt: ctx.Unix(), Height: ctx.Height})
	ctx.Emit("role.granted", "member", b.Member, "role", string(b.Role), "chapter", b.Chapter, "by", ctx.Caller.MemberID)
	return nil
}

func (o *Org) revokeRole(ctx *module.Context, b RoleBody) error {
	if err := o.checkRoleChange(ctx, b); err != nil {
		return err
	}
	if ctx.Store.Get([]byte(grantKey(b.Member, b.Role, b.Chapter))) == nil {
		return codes.NotFound.Errorf("member %s does not hold %s at %s", b.Member, b.Role, b.Chapter)
	}
	ctx.Store.Delete([]byte(grantKey(b.Member, b.Role, b.Chapter)))
	ctx.Store.Delete([]byte(grantByChapterKey(b.Chapter, b.Role, b.Member)))
	ctx.Emit("role.revoked", "member", b.Member, "role", string(b.Role), "chapter", b.Chapter, "by", ctx.Caller.MemberID)
	return nil
}

func roleList() string {
	s := make([]string, len(Roles))
	for i, r := range Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// Authorize returns nil when the caller is an active member holding role at
// chapter or at one of its ancestors, and otherwise a codes.Unauthorized
// error that names who lacked which role where.
func (o *Org) Authorize(ctx *module.Context, role Role, chapter string) error {
	c := ctx.Caller
	if c.MemberID == "" {
		return codes.Unauthorized.Errorf("signer %x is no member, and %s at %s is needed", []byte(c.Key)[:8], role, chapter)
	}
	if !c.Active {
		return codes.Unauthorized.Errorf("member %s is not active, so their roles do not count (%s at %s is needed)", c.MemberID, role, chapter)
	}
	if HasRole(ctx.Store, c.MemberID, role, chapter) {
		return nil
	}
	return codes.Unauthorized.Errorf("member %s lacks role %s at chapter %s or any chapter above it", c.MemberID, role, chapter)
}

// HasRole reports whether member holds role at chapter or an ancestor.
func HasRole(kv store.Reader, member string, role Role, chapter string) bool {
	for _, ch := range Ancestors(kv, chapter) {
		if kv.Get([]byte(grantKey(member, role, ch))) != nil {
			return true
		}
	}
	return false
}

// Covers reports whether chapter lies in the subtree of scope.
func Covers(kv store.Reader, scope, chapter string) bool {
	for _, ch := range Ancestors(kv, chapter) {
		if ch == scope {
			return true
		}
	}
	return false
}

// Ancestors returns chapter followed by its ancestors up to the root; empty
// if the chapter does not exist.
func Ancestors(kv store.Reader, chapter string) []string {
	var out []string
	for id := chapter; id != ""; {
		ch, ok := GetChapter(kv, id)
		if !ok || len(out) > 8 {
			break
		}
		out = append(out, id)
		id = ch.Parent
	}
	return out
}

// GetChapter reads one chapter.
func GetChapter(kv store.Reader, id string) (Chapter, bool) {
	var c Chapter
	if !ValidChapterID(id) {
		return c, false
	}
	return module.Get[Chapter](kv, chapterKey(id))
}

// Root returns the root chapter's ID.
func Root(kv store.Reader) string { return string(kv.Get([]byte("org/root"))) }

// ChapterKey is the store key of a chapter record, for proofs.
func ChapterKey(id string) []byte { return []byte(chapterKey(id)) }

// GrantKey is the store key of a grant, for proofs.
func GrantKey(member string, role Role, chapter string) []byte {
	return []byte(grantKey(member, role, chapter))
}

// Children lists a chapter's direct children in ID order.
func Children(kv store.Reader, parent string) []Chapter {
	var out []Chapter
	prefix := "org/kids/" + parent + "/"
	kv.Iterate([]byte(prefix), func(k, _ []byte) bool {
		if c, ok := GetChapter(kv, strings.TrimPrefix(string(k), prefix)); ok {
			out = append(out, c)
		}
		return true
	})
	return out
}

// Subtree lists a chapter and all its descendants, depth first in ID order.
func Subtree(kv store.Reader, root string) []Chapter {
	c, ok := GetChapter(kv, root)
	if !ok {
		return nil
	}
	out := []Chapter{c}
	for _, k := range Children(kv, root) {
		out = append(out, Subtree(kv, k.ID)...)
	}
	return out
}

// GrantsOf lists a member's grants.
func GrantsOf(kv store.Reader, member string) []Grant {
	var out []Grant
	kv.Iterate([]byte("org/g/"+member+"/"), func(_, v []byte) bool {
		out = append(out, decodeGrant(v))
		return true
	})
	return out
}

// GrantsAt lists the grants made at one chapter (not its subtree), by role.
func GrantsAt(kv store.Reader, chapter string) []Grant {
	var out []Grant
	prefix := "org/gc/" + chapter + "/"
	kv.Iterate([]byte(prefix), func(k, _ []byte) bool {
		parts := strings.SplitN(strings.TrimPrefix(string(k), prefix), "/", 2)
		if len(parts) == 2 {
			if g, ok := module.Get[Grant](kv, grantKey(parts[1], Role(parts[0]), chapter)); ok {
				out = append(out, g)
			}
		}
		return true
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Role < out[j].Role })
	return out
}

func decodeGrant(v []byte) Grant {
	var g Grant
	if err := json.Unmarshal(v, &g); err != nil {
		panic(fmt.Sprintf("org: corrupt grant: %v", err))
	}
	return g
}
