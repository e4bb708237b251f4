package simulate

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/record"
)

// BenchConfig sets up a verification benchmark: a simulated election of
// Ballots voters in a choose-one contest of Options options.
type BenchConfig struct {
	Ballots, Options, Issuers int
	Trustees, Threshold       int
	Sample                    int // ballots timed on one core (default min(Ballots, 2048))
	Seed                      [32]byte
	Progress                  func(stage string, done, total int)
}

// BenchResult holds the figures; all per-ballot figures are for one core.
type BenchResult struct {
	Ballots, Options, Issuers, Cores int
	// VerifyMs: decode + credentials + batched one-time signatures and proofs.
	VerifyMs float64
	// NaiveMs: the same, with each proof checked on its own.
	NaiveMs float64
	// CPU time of the same single-goroutine runs (process user+system
	// time), which other load on the machine does not inflate.
	VerifyCPUMs, NaiveCPUMs float64
	// EncryptMs: encrypting and proving one ballot.
	EncryptMs float64
	// RecordVerify: the whole record verified end to end on all cores.
	RecordVerify time.Duration
	RecordBytes  int
	Record       []byte
}

// Line is the summary line `ballots=… options=… verify_ms_per_ballot=…
// naive_ms_per_ballot=… encrypt_ms_per_ballot=…` followed by extra keys.
func (r *BenchResult) Line() string {
	return fmt.Sprintf("ballots=%d options=%d verify_ms_per_ballot=%.3f naive_ms_per_ballot=%.3f encrypt_ms_per_ballot=%.3f verify_cpu_ms_per_ballot=%.3f naive_cpu_ms_per_ballot=%.3f issuers=%d record_verify_s=%.1f record_mb=%.0f cores=%d",
		r.Ballots, r.Options, r.VerifyMs, r.NaiveMs, r.EncryptMs, r.VerifyCPUMs, r.NaiveCPUMs, r.Issuers,
		r.RecordVerify.Seconds(), float64(r.RecordBytes)/1e6, r.Cores)
}

// Bench simulates the election (credentials signed directly, see
// Config.FastCredentials), then times single-core verification of a sample
// both ways, single-core encryption, and the whole record on all cores.
func Bench(bc BenchConfig) (*BenchResult, error) {
	if bc.Issuers == 0 {
		bc.Issuers = 2
	}
	if bc.Trustees == 0 {
		bc.Trustees, bc.Threshold = 3, 2
	}
	if bc.Sample <= 0 {
		bc.Sample = 2048
	}
	bc.Sample = min(bc.Sample, bc.Ballots)
	prog := func(stage string, done, total int) {
		if bc.Progress != nil {
			bc.Progress(stage, done, total)
		}
	}
	var keys []*rsa.PrivateKey
	for i := range bc.Issuers {
		prog("issuer keys", i, bc.Issuers)
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	res, err := Run(Config{Voters: bc.Ballots, Options: bc.Options, Trustees: bc.Trustees,
		Threshold: bc.Threshold, Issuers: bc.Issuers, Seed: bc.Seed, IssuerKeys: keys,
		FastCredentials: true, Progress: bc.Progress})
	if err != nil {
		return nil, err
	}
	rec := res.Record
	out := &BenchResult{Ballots: bc.Ballots, Options: bc.Options, Issuers: bc.Issuers, Cores: runtime.GOMAXPROCS(0)}
	e, err := ballot.NewElection(rec.Manifest, rec.JointKey, rec.IssuerKeys)
	if err != nil {
		return nil, err
	}
	sample := rec.Cast[:bc.Sample]

	// Batched, one core.
	prog("timing batch verification (1 core)", 0, len(sample))
	runtime.GC()
	start, cpu := time.Now(), cpuTime()
	for lo := 0; lo < len(sample); lo += ballot.BatchSize {
		hi := min(lo+ballot.BatchSize, len(sample))
		var bs []*ballot.Ballot
		for _, raw := range sample[lo:hi] {
			b, err := ballot.Decode(e, raw)
			if err != nil {
				return nil, err
			}
			if err := ballot.CheckCredentials(e, b); err != nil {
				return nil, err
			}
			bs = append(bs, b)
		}
		if f := ballot.VerifyProofsAndSignatures(e, bs, rand.Reader); f != nil {
			return nil, f[0].Err
		}
		prog("timing batch verification (1 core)", hi, len(sample))
	}
	out.VerifyMs = ms(time.Since(start), len(sample))
	out.VerifyCPUMs = ms(cpuTime()-cpu, len(sample))

	// Naive, one core, on up to 512 ballots (it is slow).
	ns := sample[:min(len(sample), 512)]
	prog("timing naive verification (1 core)", 0, len(ns))
	runtime.GC()
	start, cpu = time.Now(), cpuTime()
	for i, raw := range ns {
		b, err := ballot.Decode(e, raw)
		if err != nil {
			return nil, err
		}
		if err := ballot.Check(e, b); err != nil {
			return nil, err
		}
		if err := ballot.VerifyProofsNaive(e, b); err != nil {
			return nil, err
		}
		if i%64 == 63 {
			prog("timing naive verification (1 core)", i+1, len(ns))
		}
	}
	out.NaiveMs = ms(time.Since(start), len(ns))
	out.NaiveCPUMs = ms(cpuTime()-cpu, len(ns))

	// Encryption, one core.
	key, err := ballot.NewOneTimeKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	first, _ := ballot.Decode(e, sample[0])
	ch := [][]uint32{make([]uint32, bc.Options)}
	ch[0][0] = 1
	ne := min(len(sample), 200)
	start = time.Now()
	for range ne {
		if _, _, err := ballot.Encrypt(rand.Reader, e, key, first.Credentials, ch); err != nil {
			return nil, err
		}
	}
	out.EncryptMs = ms(time.Since(start), ne)

	// The whole record, all cores.
	data := rec.Encode()
	out.RecordBytes = len(data)
	start = time.Now()
	rep := record.VerifyBytes(data, record.Options{Progress: bc.Progress, Rand: func() io.Reader { return rand.Reader }})
	out.RecordVerify = time.Since(start)
	if !rep.OK() {
		return nil, fmt.Errorf("bench: record fails %v", rep.Failed())
	}
	out.Record = data
	return out, nil
}

func ms(d time.Duration, n int) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
