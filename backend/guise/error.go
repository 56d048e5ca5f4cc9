// Package guise holds Guise's domain: environments, users, organizations,
// impersonation sessions, the policy that guards them, the audit trail, and the
// interfaces (Provider, Store, Secrets) that adapters implement. It imports only
// the standard library.
package guise

import (
	"errors"
	"fmt"
	"time"
)

// Error codes carried to the window and the CLI. They are stable strings: the
// frontend switches on them.
const (
	EINVALID      = "invalid"        // the input is wrong; Field says which
	ENOTFOUND     = "not_found"      // the thing asked for does not exist
	ECONFLICT     = "conflict"       // the thing exists already, or changed under us
	EREFUSED      = "refused"        // policy refused; Rule says which rule
	EUNAUTHORIZED = "unauthorized"   // the provider rejected our credentials
	ERATELIMIT    = "rate_limited"   // the provider asked us to slow down
	EUNAVAILABLE  = "unavailable"    // the provider or a local facility cannot be reached
	EPROVIDER     = "provider"       // the provider answered with something we cannot use
	ENOSECRET     = "no_secret"      // no secret is configured for the environment
	ESCHEMA       = "schema"         // the database is newer than this binary
	ECANCELED     = "canceled"       // the user or shutdown canceled the work
	EINTERNAL     = "internal"       // a bug or an unexpected local failure
	EUNSUPPORTED  = "unsupported"    // the provider cannot do this
	ENOTRUNNING   = "not_running"    // a session that has already ended
	ESECRETSTORE  = "secret_store"   // the OS keychain refused or is unreachable
	EPENDING      = "revoke_pending" // a stop that the provider has not confirmed yet
	EQUOTA        = "quota"          // the provider's plan allows no more of this for now
)

// Error is a domain error: a code for programs, a message for people.
// Field names the input at fault (for forms); Rule names the policy rule that
// refused (for refusals).
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Err     error  `json:"-"` // the underlying cause, for logs only
}

func (e *Error) Error() string { return e.Message }

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error that keeps cause for the logs.
func Wrap(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// FieldError is an EINVALID error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Refusal is an EREFUSED error naming the policy rule that refused.
func Refusal(rule, format string, args ...any) *Error {
	return &Error{Code: EREFUSED, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for a non-domain error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns a message fit for a person. Non-domain errors are not
// shown: they may carry paths, SQL or URLs.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "Something went wrong inside Guise. Details are in the log."
	}
}

// AsError returns err as an *Error, wrapping unknown errors as EINTERNAL.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EINTERNAL, Message: ErrorMessage(err), Err: err}
}

// RetryAfterError is the cause inside an adapter's ERATELIMIT error: how
// long the provider asked to wait (Retry-After, a reset time, or the
// adapter's own backoff).
type RetryAfterError struct{ Wait time.Duration }

func (e *RetryAfterError) Error() string { return fmt.Sprintf("rate limited; retry after %s", e.Wait) }

// RetryAfter reports the wait.
func (e *RetryAfterError) RetryAfter() time.Duration { return e.Wait }

// RetryAfter returns how long to wait before retrying after err, or 0 when
// err carries no such advice: any cause with a RetryAfter method.
func RetryAfter(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}
