package app

import (
	"net/mail"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

const settingReasonTemplates = "reason_templates"

// Settings holds the agent's identity, policy and reason templates.
type Settings struct{ a *App }

// SettingsView is everything the Settings screen edits.
type SettingsView struct {
	Agent           guise.Agent  `json:"agent"`
	Policy          guise.Policy `json:"policy"`
	ReasonTemplates []string     `json:"reason_templates"`
	Browser         BrowserInfo  `json:"browser"`
}

// Get returns the settings (the default policy).
func (s *Settings) Get() (SettingsView, error) {
	ctx, cancel := s.a.callCtx()
	defer cancel()
	svc, err := s.a.Service()
	if err != nil {
		return SettingsView{}, err
	}
	var v SettingsView
	if v.Agent, err = svc.Agent(ctx); err != nil {
		return v, err
	}
	if v.Policy, err = svc.Policy(ctx, ""); err != nil {
		return v, err
	}
	if v.Browser, err = s.a.browser.info(ctx); err != nil {
		return v, err
	}
	v.ReasonTemplates = []string{}
	_, err = svc.Store.GetSetting(ctx, settingReasonTemplates, &v.ReasonTemplates)
	return v, err
}

// SetAgent records who is impersonating.
func (s *Settings) SetAgent(a guise.Agent) error {
	ctx, cancel := s.a.callCtx()
	defer cancel()
	svc, err := s.a.Service()
	if err != nil {
		return err
	}
	a.Email, a.Name = strings.ToLower(strings.TrimSpace(a.Email)), strings.TrimSpace(a.Name)
	if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
		return guise.FieldError("email", "%q is not an email address.", a.Email)
	}
	return svc.Store.PutSetting(ctx, guise.SettingAgent, a, guise.AuditRecord{At: time.Now().UTC(), Kind: guise.AuditAgent, Agent: a.Email, Detail: "agent set to " + a.Email})
}

// Policy returns the policy in force for env: its own if it has one, else
// the default policy ("" asks for the default itself).
func (s *Settings) Policy(env string) (guise.Policy, error) {
	ctx, cancel := s.a.callCtx()
	defer cancel()
	svc, err := s.a.Service()
	if err != nil {
		return guise.Policy{}, err
	}
	if env != "" {
		if _, err := svc.Store.Environment(ctx, env); err != nil {
			return guise.Policy{}, err
		}
	}
	return svc.Policy(ctx, env)
}

// SetPolicy replaces the policy of env ("" for the default policy).
func (s *Settings) SetPolicy(env string, p guise.Policy) error {
	ctx, cancel := s.a.callCtx()
	defer cancel()
	svc, err := s.a.Service()
	if err != nil {
		return err
	}
	return svc.SetPolicy(ctx, env, p)
}

// SetReasonTemplates replaces the reason templates.
func (s *Settings) SetReasonTemplates(t []string) error {
	ctx, cancel := s.a.callCtx()
	defer cancel()
	svc, err := s.a.Service()
	if err != nil {
		return err
	}
	clean := []string{}
	for _, r := range t {
		if r = strings.TrimSpace(r); r != "" {
			clean = append(clean, r)
		}
	}
	return svc.Store.PutSetting(ctx, settingReasonTemplates, clean, guise.AuditRecord{})
}
