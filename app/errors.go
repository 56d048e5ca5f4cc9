package app

import (
	"log/slog"

	"github.com/guiseapp/guise/backend/guise"
)

// UIError is what the window receives when a call fails.
type UIError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule,omitempty"`
}

// FormatError turns any error into a UIError. Internal errors are logged with
// their detail and reach the window only as a generic message.
func FormatError(log *slog.Logger, err error) UIError {
	e := guise.AsError(err)
	if e.Code == guise.EINTERNAL && log != nil {
		log.Error("internal error", "err", err)
	}
	return UIError{Code: e.Code, Message: guise.ErrorMessage(err), Field: e.Field, Rule: e.Rule}
}
