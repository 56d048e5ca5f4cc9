package guise

import "context"

// SessionBrowser opens each session in a browser of its own and closes that
// browser when the session ends, whichever process ends it. When
// Service.Browser is set, the Service opens sessions with it instead of Open.
type SessionBrowser interface {
	// OpenSession opens url for the session. The URL is a secret: never log
	// or store it.
	OpenSession(ctx context.Context, sessionID, url string) error
	// CloseSession closes the session's browser and deletes what it kept. It
	// does nothing for a session without one, so every end route calls it.
	CloseSession(sessionID string) error
}

// openBrowser opens a started session's launch URL.
func (s *Service) openBrowser(ctx context.Context, sessionID, url string) error {
	if s.Browser != nil {
		return s.Browser.OpenSession(ctx, sessionID, url)
	}
	return s.Open(ctx, url)
}

// closeBrowser closes an ended session's browser. A failure does not undo
// the end: the session is over at the provider, and the adapter reports it
// and sweeps what is left at the next start.
func (s *Service) closeBrowser(sessionID string) {
	if s.Browser != nil {
		_ = s.Browser.CloseSession(sessionID)
	}
}
