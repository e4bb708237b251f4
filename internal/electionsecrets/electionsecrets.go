// Package electionsecrets keeps the secrets an election participant holds on
// their own machine and never sends to the chain: a trustee's seed, an
// issuer's RSA key, and a voter's one-time ballot key with the credentials
// the issuers blindly signed for it and the tracking codes of the ballots
// cast.
//
// They live under HOME/election/ELECTION/KEYNAME/ (directories 0700, files
// 0600), one folder per election and signing key, so that one home can hold
// several participants (as tests and demos do):
//
//	s := electionsecrets.For(home, "chair-2026", "kim")
//	seed, err := s.TrusteeSeed()   // trustee.seed, made on first use
//	mem, err := s.TrusteeMemory()  // trustee-memory.json; SaveTrusteeMemory after each step
//	is, err := s.Issuer()          // issuer.der, made on first use
//	v, err := s.NewOrLoadVoter()   // voter.json
//	v.Tracking = append(v.Tracking, code)
//	err = s.SaveVoter(v)
//
// Losing these files loses the role's power (a trustee cannot decrypt, a
// voter cannot re-vote), so operators keep them safe and offline between
// steps.
package electionsecrets

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/modules/election/kit"
)

// The files of a participant's folder.
const (
	TrusteeSeedFile = "trustee.seed" // 32-byte seed in hex: the trustee's key and dealing
	// TrusteeMemoryFile is what the trustee's kit remembers between steps
	// (kit.TrusteeMemory): the inputs it dealt for and the complaints
	// it answered, so a lying node cannot get a second dealing or k answers.
	TrusteeMemoryFile = "trustee-memory.json"
	IssuerKeyFile     = "issuer.der" // the issuer's RSA-2048 key, PKCS #8 DER
	VoterFile         = "voter.json" // a Voter as JSON
)

// Store is one participant's folder: HOME/election/ELECTION/KEYNAME.
type Store struct{ Dir string }

// For returns the store of the signing key keyName in election under home.
// Nothing is created until it is used.
func For(home, electionID, keyName string) Store {
	return Store{Dir: filepath.Join(home, "election", electionID, keyName)}
}

// dir creates the folder (0700) if needed; every access does, so a read
// of a missing file fails on the file, not the folder.
func (s Store) dir() (string, error) {
	return s.Dir, os.MkdirAll(s.Dir, 0o700)
}

func (s Store) write(name string, data []byte) error {
	d, err := s.dir()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(d, name), data, 0o600)
}

func (s Store) read(name string) ([]byte, error) {
	d, err := s.dir()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(d, name))
}

// TrusteeSeed returns the trustee's seed, making and storing a fresh one the
// first time.
func (s Store) TrusteeSeed() ([32]byte, error) {
	var seed [32]byte
	raw, err := s.read(TrusteeSeedFile)
	if errors.Is(err, os.ErrNotExist) {
		seed = kit.NewSeed()
		return seed, s.write(TrusteeSeedFile, []byte(hex.EncodeToString(seed[:])+"\n"))
	}
	if err != nil {
		return seed, err
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(b) != 32 {
		return seed, fmt.Errorf("%s is not a 32-byte hex seed", TrusteeSeedFile)
	}
	copy(seed[:], b)
	return seed, nil
}

// TrusteeMemory returns what the trustee's kit remembers, empty before its
// first dealing.
func (s Store) TrusteeMemory() (*kit.TrusteeMemory, error) {
	d, err := s.dir()
	if err != nil {
		return nil, err
	}
	return kit.LoadTrusteeMemory(filepath.Join(d, TrusteeMemoryFile))
}

// SaveTrusteeMemory writes the memory (0600, atomically). Save it after
// each step and before sending the step's transaction.
func (s Store) SaveTrusteeMemory(m *kit.TrusteeMemory) error {
	d, err := s.dir()
	if err != nil {
		return err
	}
	return m.Save(filepath.Join(d, TrusteeMemoryFile))
}

// Issuer returns the credential issuer of the stored RSA key, generating
// and storing an RSA-2048 key the first time.
func (s Store) Issuer() (*credential.Issuer, error) {
	raw, err := s.read(IssuerKeyFile)
	if errors.Is(err, os.ErrNotExist) {
		sk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		der, _ := x509.MarshalPKCS8PrivateKey(sk)
		if err := s.write(IssuerKeyFile, der); err != nil {
			return nil, err
		}
		return credential.NewIssuer(sk)
	}
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(raw)
	if err != nil {
		return nil, err
	}
	sk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s is not an RSA key", IssuerKeyFile)
	}
	return credential.NewIssuer(sk)
}

// Voter is what a voter keeps: the seed of the one-time ballot key (and
// blinding secrets), the credential request's sequence number, the
// unblinded credentials once fetched, and the tracking codes of the
// ballots cast, all hex.
type Voter struct {
	Seed        string   `json:"seed"`
	Request     *uint64  `json:"request,omitempty"`
	Credentials []string `json:"credentials,omitempty"`
	Tracking    []string `json:"tracking,omitempty"`
}

// Key derives the voter's one-time ballot key and blinding secrets from
// the seed.
func (v *Voter) Key() (*kit.Voter, error) {
	b, err := hex.DecodeString(v.Seed)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%s: bad seed", VoterFile)
	}
	return kit.NewVoter([32]byte(b))
}

// LoadVoter reads the voter's file; the error wraps os.ErrNotExist if the
// key has not requested credentials in this election from this home.
func (s Store) LoadVoter() (*Voter, error) {
	raw, err := s.read(VoterFile)
	if err != nil {
		return nil, err
	}
	var v Voter
	return &v, json.Unmarshal(raw, &v)
}

// NewOrLoadVoter reads the voter's file, or makes and stores one with a
// fresh seed the first time.
func (s Store) NewOrLoadVoter() (*Voter, error) {
	v, err := s.LoadVoter()
	if errors.Is(err, os.ErrNotExist) {
		seed := kit.NewSeed()
		v = &Voter{Seed: hex.EncodeToString(seed[:])}
		return v, s.SaveVoter(v)
	}
	return v, err
}

// SaveVoter writes the voter's file.
func (s Store) SaveVoter(v *Voter) error {
	raw, _ := json.MarshalIndent(v, "", "  ")
	return s.write(VoterFile, raw)
}
