package asgardeo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/guiseapp/guise/backend/guise"
	"golang.org/x/oauth2"
)

// APIError is an error answer of Asgardeo's REST APIs, {code, message,
// description, traceId}, or of SCIM, {schemas, detail, status (a string),
// scimType}. It is the cause inside the *guise.Error the client returns.
type APIError struct {
	HTTPStatus  int    `json:"-"`
	Code        string `json:"code"`
	Message     string `json:"message"`
	Description string `json:"description"`
	TraceID     string `json:"traceId"`
	Detail      string `json:"detail"`   // SCIM
	Status      string `json:"status"`   // SCIM, a string like "404"
	ScimType    string `json:"scimType"` // SCIM
}

func (e *APIError) Error() string {
	return fmt.Sprintf("asgardeo: HTTP %d %s: %s", e.HTTPStatus, e.Code, e.said())
}

// said is the error's own words: SCIM's detail, else message and description.
func (e *APIError) said() string {
	if e.Detail != "" {
		return e.Detail
	}
	s := strings.TrimSpace(e.Message)
	if d := strings.TrimSpace(e.Description); d != "" && d != s {
		s = strings.TrimSuffix(s, ".") + ": " + d
	}
	if s == "" {
		s = http.StatusText(e.HTTPStatus)
	}
	return s
}

// apiError maps a non-2xx answer of the REST or SCIM APIs to a domain error
// whose message says what happened and what to do.
func (c *Client) apiError(status int, body []byte, what string) error {
	e := &APIError{HTTPStatus: status}
	if json.Unmarshal(body, e) != nil {
		// SCIM's schemas may be an array; the rest still decodes field by field.
		var loose map[string]any
		if json.Unmarshal(body, &loose) == nil {
			e.Detail, _ = loose["detail"].(string)
			e.Message, _ = loose["message"].(string)
			e.Code, _ = loose["code"].(string)
		}
	}
	switch {
	case status == http.StatusUnauthorized:
		return guise.Wrap(guise.EUNAUTHORIZED, e, "Asgardeo (%s) rejected Guise's token while %s: %s. Check the client id and secret.", c.host(), what, e.said())
	case status == http.StatusForbidden:
		return guise.Wrap(guise.EUNAUTHORIZED, e, "Asgardeo (%s) refused %s: %s. Authorize the application for the API it needs (Applications → your app → API Authorization) with the scopes %s.", c.host(), what, e.said(), strings.Join(managementScopes, " "))
	case status == http.StatusNotFound:
		return guise.Wrap(guise.ENOTFOUND, e, "Asgardeo found nothing while %s: %s", what, e.said())
	case status == http.StatusTooManyRequests:
		return guise.Wrap(guise.ERATELIMIT, &guise.RetryAfterError{Wait: c.backoff}, "Asgardeo is rate-limiting requests from this address (200 a minute per API); try again in a minute.")
	case status == http.StatusBadRequest:
		return guise.Wrap(guise.EPROVIDER, e, "Asgardeo refused the request as invalid while %s: %s", what, e.said())
	case status >= 500:
		return guise.Wrap(guise.EUNAVAILABLE, e, "Asgardeo failed (HTTP %d) while %s; try again shortly.", status, what)
	default:
		return guise.Wrap(guise.EPROVIDER, e, "Asgardeo answered HTTP %d while %s, which Guise does not expect: %s", status, what, e.said())
	}
}

// oauthError maps a failed token request ({error, error_description}) to a
// domain error naming the likely misconfiguration. grant says which one.
func (c *Client) oauthError(err error, grant string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return c.transportError(err)
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	code, desc := re.ErrorCode, strings.TrimSpace(re.ErrorDescription)
	if code == "" && status != 0 {
		if json.Valid(re.Body) {
			var b struct {
				Error string `json:"error"`
				Desc  string `json:"error_description"`
			}
			_ = json.Unmarshal(re.Body, &b)
			code, desc = b.Error, b.Desc
		}
	}
	said := code
	if desc != "" {
		said = code + " (" + desc + ")"
	}
	low := strings.ToLower(code + " " + desc)
	switch {
	case status == http.StatusTooManyRequests:
		return guise.Wrap(guise.ERATELIMIT, &guise.RetryAfterError{Wait: c.backoff}, "Asgardeo is rate-limiting token requests from this address; try again in a minute.")
	case status >= 500:
		return guise.Wrap(guise.EUNAVAILABLE, re, "Asgardeo failed to issue a token (HTTP %d); try again shortly.", status)
	case code == "invalid_client" || status == http.StatusUnauthorized:
		return guise.Wrap(guise.EUNAUTHORIZED, re, "Asgardeo (%s) rejected the client id and secret of application %s: %s. Check both.", c.host(), c.clientID, said)
	case grant == grantTokenExchange && (code == "unauthorized_client" || code == "unsupported_grant_type" || strings.Contains(low, "grant")):
		return guise.Wrap(guise.EUNAUTHORIZED, re, "Application %s may not use the token-exchange grant: %s. In the Asgardeo Console, Applications → your app → Protocol, allow the Token Exchange grant.", c.clientID, said)
	case grant == grantTokenExchange && (strings.Contains(low, "imperson") || code == "invalid_scope" || code == "access_denied"):
		return guise.Wrap(guise.EUNAUTHORIZED, re, "Asgardeo would not exchange the subject token: %s. The application needs the User Impersonation API authorized (API Authorization tab) and you need a role with its scope.", said)
	case grant == grantOrgSwitch && (code == "unauthorized_client" || code == "unsupported_grant_type"):
		return guise.Wrap(guise.EUNAUTHORIZED, re, "Application %s may not use the organization_switch grant: %s. Allow it in the Asgardeo Console (Protocol tab), or impersonate without an organization.", c.clientID, said)
	case grant == grantOrgSwitch:
		return guise.Wrap(guise.EUNAUTHORIZED, re, "Asgardeo would not switch the impersonated token to that organization: %s. Impersonators reach only organizations the user is an invited member of.", said)
	case grant == grantClientCredentials && (code == "unauthorized_client" || code == "unsupported_grant_type"):
		return guise.Wrap(guise.EUNAUTHORIZED, re, "Application %s may not use the client-credentials grant: %s. Mark it a Management Application and allow Client Credential in the Asgardeo Console.", c.clientID, said)
	case status == http.StatusNotFound || (code == "" && status != 0):
		return guise.Wrap(guise.EUNAVAILABLE, re, "Something answers at %s, but not like an Asgardeo organization (HTTP %d from /oauth2/token). Check the org and the base URL.", c.base, status)
	default:
		return guise.Wrap(guise.EUNAUTHORIZED, re, "Asgardeo (%s) refused a token: %s", c.host(), said)
	}
}

// asAPIError returns the Asgardeo error body inside err, or nil.
func asAPIError(err error) *APIError {
	var e *APIError
	if errors.As(err, &e) {
		return e
	}
	return nil
}
