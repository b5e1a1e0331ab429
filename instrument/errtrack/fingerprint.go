package errtrack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"syscall"
)

// maxChain bounds the error chain Types records, and maxFrames the frames of a stack.
const (
	maxChain  = 16
	maxFrames = 32
)

// typeChain returns the type names of err's chain, outermost first, following Unwrap
// and the first branch of each join (errors.Join, fmt.Errorf with several %w).
func typeChain(err error) []string {
	out := make([]string, 0, 4)
	for err != nil && len(out) < maxChain {
		out = append(out, typeName(err))
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			errs := u.Unwrap()
			if len(errs) == 0 {
				return out
			}
			err = errs[0]
		default:
			return out
		}
	}
	return out
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

// wrapperTypes carry no meaning of their own: errorType skips them.
var wrapperTypes = map[string]bool{
	"*fmt.wrapError": true, "*fmt.wrapErrors": true, "*errors.joinError": true,
	"*errors.errorString": true, "*fmt.errorString": true,
}

// eventType is the error_type of an event. A Go error's meaning is in its cause (a
// *fs.PathError wrapped by fmt.Errorf); an exception another SDK sends is named by the
// type raised (Python's RuntimeError raised from a KeyError is a RuntimeError), which
// the ingest puts first.
func eventType(ev *Event) string {
	if ev.Source != SourceServer && len(ev.Types) > 0 {
		return ev.Types[0]
	}
	return errorType(ev.Types)
}

// errorType returns the most specific meaningful type of a chain: the innermost type
// that is not a plain wrapper or errors.New's string, else "error". It is the
// error_type label.
func errorType(types []string) string {
	for i := len(types) - 1; i >= 0; i-- {
		if !wrapperTypes[types[i]] {
			return types[i]
		}
	}
	return "error"
}

// ownPackages are instrument's packages, whose frames (the middleware, this tracker)
// are never the application's. An external test package (errtrack_test) is not one.
var ownPackages = map[string]bool{
	"github.com/perfwatch/perfwatch/instrument":                       true,
	"github.com/perfwatch/perfwatch/instrument/errtrack":              true,
	"github.com/perfwatch/perfwatch/instrument/errtrack/sentryingest": true,
	"github.com/perfwatch/perfwatch/instrument/sqlmon":                true,
	"github.com/perfwatch/perfwatch/instrument/cachemon":              true,
	"github.com/perfwatch/perfwatch/instrument/gorillamux":            true,
}

// inApp reports whether a frame belongs to the application: not the standard library
// (whose import paths have no dot in their first element), not instrument, and within
// WithInAppPrefixes when they are set. instrument's closures inlined into the
// application's functions carry the application's name (demo.NewHandler.(*Tracker).Recover.func4),
// so instrument's frames are also known by their file.
func (t *Tracker) inApp(function, file string) bool {
	pkg := packageOf(function)
	if ownPackages[pkg] {
		return false
	}
	if t.ownDir != "" && strings.HasPrefix(file, t.ownDir) && !strings.HasSuffix(file, "_test.go") {
		return false
	}
	first, _, _ := strings.Cut(pkg, "/")
	if !strings.Contains(first, ".") {
		return first == "main" // the standard library, but for package main
	}
	if len(t.cfg.inAppPrefixes) == 0 {
		return true
	}
	for _, p := range t.cfg.inAppPrefixes {
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

// packageOf returns the import path of a symbolised function name such as
// "github.com/x/y/pkg.(*T).Method" or "net/http.HandlerFunc.ServeHTTP".
func packageOf(function string) string {
	slash := strings.LastIndexByte(function, '/')
	dot := strings.IndexByte(function[slash+1:], '.')
	if dot < 0 {
		return function
	}
	return function[:slash+1+dot]
}

// stableFunction drops what changes with compilation rather than with the code:
// closures' numbering (func1, func2·3, gowrap1) stays, since it follows the source,
// but generic instantiations' type arguments go ([...]).
func stableFunction(f string) string {
	if i := strings.Index(f, "[...]"); i >= 0 {
		f = f[:i] + f[i+len("[...]"):]
	}
	return f
}

// fingerprintOf returns the group id of ev: a hash of its custom fingerprint when it
// has one, else of its type chain, its in-app frames' function names (all frames when
// none is in-app) and its normalised message. Line numbers are left out, so moving
// code keeps the group; so is the source's instance, so replicas agree.
func fingerprintOf(ev *Event, normalised string) string {
	h := sha256.New()
	write := func(kind byte, s string) {
		h.Write([]byte{kind})
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	write('s', sourceClass(ev.Source))
	if len(ev.Fingerprint) > 0 {
		for _, p := range ev.Fingerprint {
			write('f', p)
		}
	} else {
		for _, t := range ev.Types {
			write('t', t)
		}
		inApp := false
		for _, f := range ev.Frames {
			if f.InApp {
				inApp = true
				write('c', stableFunction(f.Function))
			}
		}
		if !inApp {
			for _, f := range ev.Frames {
				write('c', stableFunction(f.Function))
			}
		}
		write('m', normalised)
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:8])
}

// sourceClass keeps the browser's groups apart from the servers': the same message
// means different things there.
func sourceClass(source string) string {
	if source == SourceBrowser {
		return SourceBrowser
	}
	return SourceServer
}

// isCancellation reports an error that means the caller went away or gave up, not a
// fault of the service.
func isCancellation(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
