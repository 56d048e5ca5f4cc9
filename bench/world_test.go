package bench

import (
	"strconv"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// worldVersion names the generator: change it whenever users(i) changes, so
// a cache built by an older generator is never measured by mistake.
const worldVersion = "w1"

// The benchmark world is a pure function of the user number, so the cache
// is rebuilt identically anywhere and a million users never sit in memory.
var (
	firstNames = strings.Fields(`james mary robert patricia john jennifer michael linda david elizabeth william barbara
		richard susan joseph jessica thomas sarah charles karen christopher lisa daniel nancy matthew betty anthony
		margaret mark sandra donald ashley steven kimberly paul emily andrew donna joshua michelle kevin carol brian
		amanda george melissa timothy deborah ronald stephanie edward rebecca jason laura ryan cynthia jacob kathleen
		gary amy nicholas angela eric shirley jonathan anna stephen brenda larry pamela justin emma scott nicole
		brandon helen benjamin samantha samuel katherine aisha mateo yuki priya lars ingrid wei fatima olumide sofia
		diego amara hiroshi leila nikolai zara tomas chioma arjun elif`)
	lastNames = strings.Fields(`smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez
		lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez
		clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green adams
		nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz
		edwards collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson
		bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood bennett gray mendoza ruiz
		hughes price alvarez castillo sanders patel myers long ross foster jimenez okafor`)
	orgPrefixes = strings.Fields(`acme globex initech umbrella hooli vandelay northwind contoso fabrikam litware
		tailspin adatum proseware wingtip lumen quantum helix summit vertex pioneer silverline redwood bluefin
		ironclad brightside evergreen cobalt juniper orbit keystone`)
	orgKinds = strings.Fields(`robotics logistics analytics foods health labs systems energy media capital dynamics
		networks software industries solutions partners ventures biotech aerospace retail insurance security
		studios motors pharma telecom consulting cloud freight farms`)
)

const worldOrgs = 900

var worldBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// mix is splitmix64: fixed forever, unlike math/rand's streams.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

func orgName(j int) string {
	return title(orgPrefixes[j%len(orgPrefixes)]) + " " + title(orgKinds[j/len(orgPrefixes)%len(orgKinds)])
}

func orgDomain(j int) string {
	return orgPrefixes[j%len(orgPrefixes)] + orgKinds[j/len(orgPrefixes)%len(orgKinds)] + ".test"
}

// userOrg skews organization sizes like real tenants: org 0 holds about a
// tenth of everyone (the "big email domain"), most orgs are small.
func userOrg(h uint64) int {
	u := float64(h%1_000_000) / 1_000_000
	return int(u * u * u * worldOrgs)
}

// worldUser is user i (0-based) of the benchmark world.
func worldUser(i int) guise.User {
	h := mix(uint64(i))
	combos := len(firstNames) * len(lastNames)
	c := (i * 7919) % combos // 7919 is prime to combos: each pair once per round
	first, last := firstNames[c%len(firstNames)], lastNames[c/len(firstNames)]
	local := first + "." + last
	if round := i / combos; round > 0 {
		local += strconv.Itoa(round)
	}
	o := userOrg(h)
	orgs := []guise.Org{{ID: orgID(o), Name: orgName(o), Role: "member"}}
	if h>>32%5 == 0 {
		if o2 := int(h>>40) % worldOrgs; o2 != o {
			orgs = append(orgs, guise.Org{ID: orgID(o2), Name: orgName(o2), Role: "member"})
		}
	}
	return guise.User{
		ID: userID(i), Email: local + "@" + orgDomain(o), Name: title(first) + " " + title(last),
		Role: "member", Status: "active", Orgs: orgs,
		Metadata:  map[string]string{"plan": []string{"free", "team", "business"}[h>>20%3]},
		UpdatedAt: worldBase.Add(time.Duration(i) * time.Second),
	}
}

func userID(i int) string { return "user_" + leftPad(i, 7) }
func orgID(j int) string  { return "org_" + leftPad(j, 4) }

func leftPad(n, w int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", max(0, w-len(s))) + s
}
