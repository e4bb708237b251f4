package main

// The voter's commands after the request: fetching credentials (during
// issuance, with the member's identity), and voting (anonymously: encrypt,
// show the encryption code, then cast or challenge). See
// docs/threat-model.md, "API node", for what a node operator still sees.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/internal/electionsecrets"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/wire"
)

func electionCredentialsCmd() *cobra.Command {
	var genesis string
	cmd := &cobra.Command{Use: "credentials ID", Short: "Fetch and unblind your credentials once the issuers have answered (during issuance)",
		Long: `Reads your credential request and the issuers' blind signatures, unblinds
them on this machine, checks them against the issuers' keys of the election
record (proven against the validators of --genesis) and keeps them in
HOME/election/ID/KEYNAME/voter.json. This is the last step that reveals who
you are to the node; run it during issuance. ` + "`pnyx election vote`" + ` then
needs nothing that names you.`,
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			id := a[0]
			vf, err := secrets(id).LoadVoter()
			if err != nil {
				return fmt.Errorf("no voter secrets for %s under this key: run `pnyx election request %s` first (%v)", id, id, err)
			}
			v, err := vf.Key()
			if err != nil {
				return err
			}
			e, _, err := s.provenElection(id, genesis)
			if err != nil {
				return err
			}
			creds, err := s.credentials(id, vf, v, e)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.cmd.OutOrStdout(), "credentials from %d issuer(s) unblinded and kept; voting needs nothing else that names you\n", len(creds))
			return nil
		})}
	genesisFlag(cmd, &genesis, "the voter")
	return cmd
}

// credentials fetches and unblinds the issuers' answers, once. It reads the
// member's account and request records: identity-revealing reads that only
// `election credentials` makes, never `election vote`.
func (s *session) credentials(id string, vf *electionsecrets.Voter, v *kit.Voter, e *election.Election) ([][]byte, error) {
	if len(vf.Credentials) == 0 {
		k, err := s.key()
		if err != nil {
			return nil, err
		}
		me, err := s.memberID()
		if err != nil {
			return nil, err
		}
		st := s.c.ElectionState(s.ctx)
		seq, ok := election.RequestOf(st, id, me)
		if !ok {
			return nil, fmt.Errorf("no credential request of yours in %s: run `pnyx election request %s` first", id, id)
		}
		creds, err := v.Credentials(st, e, k, seq)
		if err != nil {
			return nil, err
		}
		vf.Request = &seq
		for _, c := range creds {
			vf.Credentials = append(vf.Credentials, hex.EncodeToString(c))
		}
		if err := secrets(id).SaveVoter(vf); err != nil {
			return nil, err
		}
	}
	return storedCredentials(vf), nil
}

func storedCredentials(vf *electionsecrets.Voter) [][]byte {
	var out [][]byte
	for _, c := range vf.Credentials {
		b, _ := hex.DecodeString(c)
		out = append(out, b)
	}
	return out
}

// ballotUserAgent is the one User-Agent every ballot is sent with.
const ballotUserAgent = "pnyx-ballot/1"

// sendAnonymous posts an anonymous transaction on a connection of its own:
// a new transport with keep-alives off (so no earlier request shares the
// connection, and none follows on it), no cookie jar, no signed-read
// headers, a User-Agent every voter sends, and optionally through relay (an
// HTTP or SOCKS5 proxy the voter names), so the node sees the relay's
// address instead of the voter's.
func sendAnonymous(ctx context.Context, api string, relay *url.URL, raw []byte) (wire.TxResult, error) {
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil, MaxIdleConns: 1}
	if relay != nil {
		tr.Proxy = http.ProxyURL(relay)
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	req, err := http.NewRequestWithContext(ctx, "POST", strings.TrimRight(api, "/")+"/v1/txs?wait=1", bytes.NewReader(raw))
	if err != nil {
		return wire.TxResult{}, err
	}
	req.Header.Set("Content-Type", wire.RawTxType)
	req.Header.Set("User-Agent", ballotUserAgent)
	resp, err := hc.Do(req)
	if err != nil {
		return wire.TxResult{}, codes.Unavailable.Errorf("%v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return wire.TxResult{}, codes.Unavailable.Errorf("read response: %v", err)
	}
	var res wire.TxResult
	if resp.StatusCode >= 400 {
		var e wire.ErrorBody
		if json.Unmarshal(body, &e) == nil && e.Error.Name != "" {
			return res, &codes.Error{Code: e.Error.Code, Msg: e.Error.Message}
		}
		if json.Unmarshal(body, &res) == nil && res.Code != 0 {
			return res, &codes.Error{Code: res.Code, Msg: res.Log}
		}
		return res, codes.Unavailable.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return res, codes.Internal.Errorf("decode response: %v", err)
	}
	if res.Code != 0 {
		return res, &codes.Error{Code: res.Code, Msg: res.Log}
	}
	return res, nil
}

// randomDelay is uniform in [0, max).
func randomDelay(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(max)))
	if err != nil {
		return 0
	}
	return time.Duration(n.Int64())
}

func electionVoteCmd() *cobra.Command {
	var choices []string
	var maxDelay time.Duration
	var relay, genesis string
	cmd := &cobra.Command{Use: "vote ID --choice N|TEXT[,…] [--choice …]", Short: "Encrypt a ballot, show its code, then cast it (the last ballot counts) or challenge it",
		Long: `Encrypts your choices (one --choice per contest, in order: options by
number from 1, as on the ballot paper, or by their text, comma-separated
where several may be chosen) on this machine and shows the encryption code.
Only then does it ask, on standard input, "cast" or "challenge" (an empty
answer or end of input casts).

cast: the ballot goes out as an anonymous transaction carrying your one-time
key and the issuers' credentials, never your member key, after a random
delay (--max-delay), on a connection of its own that carries nothing else
(optionally through --relay). Voting again replaces your earlier ballot.
Prints the ballot's tracking code.

challenge (a Benaloh challenge: did your device encrypt what you chose?):
nothing is sent. The encryption is opened under a throwaway key that links
to nothing, written to a file; check it on another device with
` + "`pnyx verify opening FILE --election PROOF --genesis G`" + ` (its code must be the
one shown, its choices yours, and it must match the election record PROOF
holds, from ` + "`pnyx election show ID --prove PROOF`" + `), then vote again: every
vote is a new encryption.

The election record — its joint key, contests and issuers' keys — is read
with a state proof checked against the validators of --genesis (the
party's published genesis.json; default HOME/config/genesis.json): a node
cannot make you encrypt under a key it holds.

Credentials must have been fetched first (` + "`pnyx election credentials ID`" + `,
during issuance): voting reads nothing that names you.`,
		Args: cobra.ExactArgs(1), RunE: run(func(s *session, a []string) error {
			id := a[0]
			var relayURL *url.URL
			if relay != "" {
				u, err := url.Parse(relay)
				if err != nil || u.Host == "" {
					return fmt.Errorf("--relay %q is not a proxy URL (http://HOST:PORT or socks5://HOST:PORT)", relay)
				}
				relayURL = u
			}
			vf, err := secrets(id).LoadVoter()
			if err != nil {
				return fmt.Errorf("no voter secrets for %s under this key: run `pnyx election request %s` first (%v)", id, id, err)
			}
			if len(vf.Credentials) == 0 {
				return fmt.Errorf("no credentials for %s under this key yet: run `pnyx election credentials %s` (during issuance) first", id, id)
			}
			v, err := vf.Key()
			if err != nil {
				return err
			}
			// The joint key is the proven record's: a node that served
			// another, whose secret it held, would read the ballot.
			e, st, err := s.provenElection(id, genesis)
			if err != nil {
				return err
			}
			c, err := kit.PublicContext(e)
			if err != nil {
				return err
			}
			sel, err := parseChoices(choices, c.Manifest.Contests)
			if err != nil {
				return err
			}
			b, rv, err := v.Encrypt(c, storedCredentials(vf), sel)
			if err != nil {
				return err
			}
			w := s.cmd.OutOrStdout()
			code := ballot.EncryptionCode(c, b)
			fmt.Fprintf(w, "encrypted; encryption code %s (full: %x)\ncast or challenge? ", ballot.CodeString(code), code)
			answer, err := bufio.NewReader(s.cmd.InOrStdin()).ReadString('\n')
			if err != nil && err != io.EOF {
				return err
			}
			switch strings.ToLower(strings.TrimSpace(answer)) {
			case "", "cast", "c":
			case "challenge", "x":
				op, err := ballot.NewOpening(rand.Reader, c, b, rv)
				if err != nil {
					return err
				}
				dir := secrets(id).Dir
				if err := os.MkdirAll(dir, 0o700); err != nil {
					return err
				}
				file := filepath.Join(dir, "opening-"+ballot.CodeString(code)+".bin")
				if err := os.WriteFile(file, op.Bytes(), 0o644); err != nil {
					return err
				}
				fmt.Fprintf(w, "\nchallenged: nothing was sent. The opening is in %s.\nCheck it on another device: pnyx verify opening %s --election PROOF --genesis G\n(PROOF from `pnyx election show %s --prove PROOF`; its code must be %s, its choices yours), then vote again.\n", file, file, id, ballot.CodeString(code))
				return nil
			default:
				return fmt.Errorf("answer %q is neither cast nor challenge: nothing was sent", strings.TrimSpace(answer))
			}
			chainID := st.ChainID
			if d := randomDelay(maxDelay); d > 0 {
				fmt.Fprintf(w, "\nsending in %s (a random delay, so the time does not point at you)\n", d.Round(time.Second))
				select {
				case <-time.After(d):
				case <-s.ctx.Done():
					return s.ctx.Err()
				}
			}
			res, err := sendAnonymous(s.ctx, flagAPI, relayURL, kit.BallotTx(chainID, b))
			if err != nil {
				return err
			}
			tc := b.TrackingCode()
			vf.Tracking = append(vf.Tracking, hex.EncodeToString(tc[:]))
			secrets(id).SaveVoter(vf)
			fmt.Fprintf(w, "\nballot cast at height %d\ntracking code %s (full: %x)\n", res.Height, b.TrackingString(), tc)
			return nil
		})}
	cmd.Flags().StringArrayVar(&choices, "choice", nil, "option number(s) from 1 or option text(s), comma-separated; once per contest, in order")
	cmd.Flags().DurationVar(&maxDelay, "max-delay", 10*time.Second, "wait a random time below this before sending the ballot (0: send at once)")
	cmd.Flags().StringVar(&relay, "relay", "", "send the ballot through this proxy (http://HOST:PORT or socks5://HOST:PORT)")
	genesisFlag(cmd, &genesis, "the voter")
	cmd.MarkFlagRequired("choice")
	return cmd
}
