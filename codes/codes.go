// Package codes holds the stable numeric error codes that every pnyx
// transaction result, query and API response carries.
//
// A code never changes meaning once released: clients, auditors and scripts
// match on the number, while the message explains the case to a person.
// Handlers return a *codes.Error built with one of the constructors below;
// anything else that reaches the chain boundary is reported as Internal.
//
//	if !ok {
//		return codes.Unauthorized.Errorf("member %s lacks role registrar at chapter %s", id, ch)
//	}
//
// and callers test with codes.Of(err) == codes.Unauthorized.
package codes

import (
	"errors"
	"fmt"
	"slices"
)

// Code is a stable error code. Zero means success.
type Code uint32

// Codespace names pnyx's codes in ABCI results, next to CometBFT's own.
const Codespace = "pnyx"

// The codes of the chain foundation. Later modules take numbers from 100 up in
// blocks of 100 (assembly 100s, petitions 200s, KPIs 300s, elections 400s).
const (
	OK                 Code = 0
	Malformed          Code = 1  // the tx or body bytes do not decode canonically
	BadSignature       Code = 2  // the Ed25519 signature does not verify
	WrongChain         Code = 3  // the envelope names another chain
	BadNonce           Code = 4  // replayed or out-of-order nonce
	UnknownType        Code = 5  // no module handles this tx type
	TooLarge           Code = 6  // the tx exceeds the size limit
	Unauthorized       Code = 7  // the signer lacks the role for this action here
	InvalidArgument    Code = 8  // a field is out of range or badly formed
	NotFound           Code = 9  // the referenced record does not exist
	AlreadyExists      Code = 10 // the record exists already (or the key is taken)
	WrongState         Code = 11 // the record is not in a state that allows this
	UnknownSigner      Code = 12 // the signer key belongs to no member
	TransfersDisabled  Code = 13 // points transfers are off in this chain's genesis
	InsufficientPoints Code = 14 // the balance is too small
	Expired            Code = 15 // a window or one-time code has expired
	BadRequest         Code = 16 // an API request is malformed (API only)
	Forbidden          Code = 17 // an API read lacks a valid signature with scope (API only)
	Unavailable        Code = 18 // the node cannot serve this now (API only)
	Internal           Code = 99 // a bug: never expected in a correct run
)

var names = map[Code]string{
	OK: "ok", Malformed: "malformed", BadSignature: "bad_signature", WrongChain: "wrong_chain",
	BadNonce: "bad_nonce", UnknownType: "unknown_type", TooLarge: "too_large",
	Unauthorized: "unauthorized", InvalidArgument: "invalid_argument", NotFound: "not_found",
	AlreadyExists: "already_exists", WrongState: "wrong_state", UnknownSigner: "unknown_signer",
	TransfersDisabled: "transfers_disabled", InsufficientPoints: "insufficient_points",
	Expired: "expired", BadRequest: "bad_request", Forbidden: "forbidden",
	Unavailable: "unavailable", Internal: "internal",
}

// Register gives a module's code a name; it panics on a clash so two modules
// can never claim the same number, nor the same name (clients match on
// either).
func Register(c Code, name string) Code {
	if _, taken := names[c]; taken {
		panic(fmt.Sprintf("codes: %d registered twice", c))
	}
	for other, n := range names {
		if n == name {
			panic(fmt.Sprintf("codes: name %q registered for %d and %d", name, other, c))
		}
	}
	names[c] = name
	return c
}

// All lists every registered code in ascending order, for documentation.
func All() []Code {
	out := make([]Code, 0, len(names))
	for c := range names {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// String returns the code's stable name, e.g. "bad_nonce".
func (c Code) String() string {
	if n, ok := names[c]; ok {
		return n
	}
	return fmt.Sprintf("code_%d", uint32(c))
}

// Error is an error with a stable code.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string { return e.Code.String() + ": " + e.Msg }

// Errorf builds an error with this code.
func (c Code) Errorf(format string, args ...any) *Error {
	return &Error{Code: c, Msg: fmt.Sprintf(format, args...)}
}

// Of returns the code of err: OK for nil, Internal for errors without one.
func Of(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Message returns err's message without the code prefix.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
