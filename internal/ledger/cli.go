package ledger

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// Exit codes of RunVerifyCLI.
const (
	ExitVerified = 0 // every check passed
	ExitFailed   = 1 // a check failed: the file is not proven
	ExitUsage    = 2 // bad arguments, or an input could not be read
)

// RunVerifyCLI is `ecourt ledger verify`: it verifies a file offline
// against a downloaded inclusion proof and signed tree head (VerifyFile)
// and prints each check in the user's language. args are the arguments
// after "verify":
//
//	FILE PROOF [TREEHEAD] [--key PEM] [--lang zh-CN|en] [--verbose]
//
// PROOF is the JSON from /api/v1/ledger/proofs/inclusion; TREEHEAD the JSON
// from /api/v1/ledger/tree-heads/… or a checkpoint (default: the head inside
// PROOF); --key the log's public key from /api/v1/ledger/public-key (PEM,
// base64 or verifier key; without it the key inside the tree head is used
// and a warning says so). The language is --lang, else LC_ALL / LANG
// ("zh…" is Chinese), else Chinese. --verbose adds the technical detail
// of a failed check (hashes; in English). It returns ExitVerified, ExitFailed or
// ExitUsage.
func RunVerifyCLI(args []string, stdout, stderr io.Writer) int {
	lang := langFromEnv()
	var pos []string
	keyPath := ""
	verbose := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case !strings.HasPrefix(a, "-") || a == "-":
			pos = append(pos, a)
			continue
		case name == "h" || name == "help":
			fmt.Fprintln(stdout, cliCatalog().T(lang, "ledger.cli.usage"))
			return ExitVerified
		case name == "v" || name == "verbose":
			verbose = true
			continue
		case name != "key" && name != "lang":
			return usage(stderr, lang, cliCatalog().T(lang, "ledger.cli.unknown_flag", a))
		}
		if !hasVal {
			if i+1 >= len(args) {
				return usage(stderr, lang, cliCatalog().T(lang, "ledger.cli.needs_value", a))
			}
			i++
			val = args[i]
		}
		if name == "key" {
			keyPath = val
		} else if l, ok := i18n.Parse(val); ok {
			lang = l
		} else {
			return usage(stderr, lang, cliCatalog().T(lang, "ledger.cli.unknown_lang", val))
		}
	}
	if len(pos) < 2 || len(pos) > 3 {
		return usage(stderr, lang, "")
	}
	cat := cliCatalog()
	t := func(key string, a ...any) string { return cat.T(lang, key, a...) }
	proofJSON, err := os.ReadFile(pos[1])
	if err != nil {
		fmt.Fprintln(stderr, t("ledger.cli.read_error", pos[1], err))
		return ExitUsage
	}
	var headJSON []byte
	if len(pos) == 3 {
		if headJSON, err = os.ReadFile(pos[2]); err != nil {
			fmt.Fprintln(stderr, t("ledger.cli.read_error", pos[2], err))
			return ExitUsage
		}
	}
	var pub ed25519.PublicKey
	if keyPath != "" {
		b, err := os.ReadFile(keyPath)
		if err != nil {
			fmt.Fprintln(stderr, t("ledger.cli.read_error", keyPath, err))
			return ExitUsage
		}
		if pub, err = ParsePublicKey(b); err != nil {
			fmt.Fprintln(stderr, t("ledger.cli.bad_key", keyPath, err))
			return ExitUsage
		}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, t("ledger.cli.read_error", pos[0], err))
		return ExitUsage
	}
	defer f.Close()

	rep, err := VerifyFile(f, proofJSON, headJSON, pub)
	fmt.Fprintln(stdout, t("ledger.cli.file", pos[0]))
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || !strings.HasPrefix(e.Key, "ledger.verify.") {
			fmt.Fprintln(stderr, t("ledger.cli.read_error", pos[0], err))
			return ExitUsage
		}
		fmt.Fprintf(stdout, "✗ %s\n", t(e.Key))
		if verbose && e.Cause != nil {
			fmt.Fprintf(stdout, "  %s\n", e.Cause)
		}
		fmt.Fprintln(stdout, t("ledger.cli.not_verified"))
		return ExitFailed
	}
	at := rep.Entry.AppendedAt.In(clock.China).Format("2006-01-02 15:04:05 MST")
	signed := rep.Timestamp.In(clock.China).Format("2006-01-02 15:04:05 MST")
	fmt.Fprintln(stdout, "  SHA-256 "+hex.EncodeToString(rep.File[:]))
	fmt.Fprintln(stdout, "✓ "+t("ledger.cli.ok_file", rep.Entry.Kind, rep.Entry.Ref, at))
	fmt.Fprintln(stdout, "✓ "+t("ledger.cli.ok_leaf", rep.Entry.Index))
	fmt.Fprintln(stdout, "✓ "+t("ledger.cli.ok_inclusion", rep.TreeSize, hex.EncodeToString(rep.RootHash[:])))
	fmt.Fprintln(stdout, "✓ "+t("ledger.cli.ok_signature", rep.Origin, signed, hex.EncodeToString(rep.KeyID[:])))
	if !rep.KeyPinned {
		fmt.Fprintln(stdout, "! "+t("ledger.cli.key_unpinned", hex.EncodeToString(rep.KeyID[:])))
	}
	fmt.Fprintln(stdout, t("ledger.cli.verified"))
	return ExitVerified
}

func usage(w io.Writer, lang i18n.Lang, problem string) int {
	if problem != "" {
		fmt.Fprintln(w, problem)
	}
	fmt.Fprintln(w, cliCatalog().T(lang, "ledger.cli.usage"))
	return ExitUsage
}

func langFromEnv() i18n.Lang {
	for _, v := range []string{os.Getenv("LC_ALL"), os.Getenv("LANG")} {
		if v == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(v), "zh") {
			return i18n.ZH
		}
		return i18n.EN
	}
	return i18n.ZH
}

func cliCatalog() *i18n.Catalog {
	cat, err := i18n.New(Messages, i18n.Platform())
	if err != nil {
		panic(err) // the embedded bundles are checked by the package's tests
	}
	return cat
}
