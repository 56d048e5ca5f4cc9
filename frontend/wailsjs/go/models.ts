export namespace app {
	
	export class BrowserInfo {
	    mode: string;
	    isolated: string;
	
	    static createFrom(source: any = {}) {
	        return new BrowserInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.mode = source["mode"];
	        this.isolated = source["isolated"];
	    }
	}
	export class EnvInput {
	    name: string;
	    provider: string;
	    base_url: string;
	    settings: Record<string, string>;
	    secret: string;
	
	    static createFrom(source: any = {}) {
	        return new EnvInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.provider = source["provider"];
	        this.base_url = source["base_url"];
	        this.settings = source["settings"];
	        this.secret = source["secret"];
	    }
	}
	export class Reachability {
	    state: string;
	    detail: string;
	    // Go type: time
	    since?: any;
	
	    static createFrom(source: any = {}) {
	        return new Reachability(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.state = source["state"];
	        this.detail = source["detail"];
	        this.since = this.convertValues(source["since"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class EnvView {
	    name: string;
	    provider: string;
	    base_url: string;
	    settings: Record<string, string>;
	    has_secret: boolean;
	    secret_where: string;
	    builtin: boolean;
	    users: number;
	    // Go type: time
	    last_synced_at?: any;
	    last_error: string;
	    impersonations_this_month: number;
	    reachability: Reachability;
	
	    static createFrom(source: any = {}) {
	        return new EnvView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.provider = source["provider"];
	        this.base_url = source["base_url"];
	        this.settings = source["settings"];
	        this.has_secret = source["has_secret"];
	        this.secret_where = source["secret_where"];
	        this.builtin = source["builtin"];
	        this.users = source["users"];
	        this.last_synced_at = this.convertValues(source["last_synced_at"], null);
	        this.last_error = source["last_error"];
	        this.impersonations_this_month = source["impersonations_this_month"];
	        this.reachability = this.convertValues(source["reachability"], Reachability);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class HistoryFilter {
	    env: string;
	    agent: string;
	    user: string;
	    text: string;
	    end_reason: string;
	    from: string;
	    to: string;
	    limit: number;
	
	    static createFrom(source: any = {}) {
	        return new HistoryFilter(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.env = source["env"];
	        this.agent = source["agent"];
	        this.user = source["user"];
	        this.text = source["text"];
	        this.end_reason = source["end_reason"];
	        this.from = source["from"];
	        this.to = source["to"];
	        this.limit = source["limit"];
	    }
	}
	export class Info {
	    version: string;
	    home: string;
	    current_env: string;
	    agent: guise.Agent;
	
	    static createFrom(source: any = {}) {
	        return new Info(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.home = source["home"];
	        this.current_env = source["current_env"];
	        this.agent = this.convertValues(source["agent"], guise.Agent);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class SettingsView {
	    agent: guise.Agent;
	    policy: guise.Policy;
	    reason_templates: string[];
	    browser: BrowserInfo;
	
	    static createFrom(source: any = {}) {
	        return new SettingsView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.agent = this.convertValues(source["agent"], guise.Agent);
	        this.policy = this.convertValues(source["policy"], guise.Policy);
	        this.reason_templates = source["reason_templates"];
	        this.browser = this.convertValues(source["browser"], BrowserInfo);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class StartInput {
	    env: string;
	    user: string;
	    org: string;
	    reason: string;
	    ticket: string;
	    minutes: number;
	
	    static createFrom(source: any = {}) {
	        return new StartInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.env = source["env"];
	        this.user = source["user"];
	        this.org = source["org"];
	        this.reason = source["reason"];
	        this.ticket = source["ticket"];
	        this.minutes = source["minutes"];
	    }
	}
	export class UserDetail {
	    user: guise.User;
	    sessions: guise.Session[];
	    protected: string;
	    policy: guise.Policy;
	    activity: guise.ProviderEvent[];
	    activity_note: string;
	
	    static createFrom(source: any = {}) {
	        return new UserDetail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.user = this.convertValues(source["user"], guise.User);
	        this.sessions = this.convertValues(source["sessions"], guise.Session);
	        this.protected = source["protected"];
	        this.policy = this.convertValues(source["policy"], guise.Policy);
	        this.activity = this.convertValues(source["activity"], guise.ProviderEvent);
	        this.activity_note = source["activity_note"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace guise {
	
	export class Agent {
	    email: string;
	    name: string;
	
	    static createFrom(source: any = {}) {
	        return new Agent(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.email = source["email"];
	        this.name = source["name"];
	    }
	}
	export class AuditRecord {
	    seq: number;
	    // Go type: time
	    at: any;
	    kind: string;
	    env: string;
	    agent: string;
	    user_id: string;
	    user_email: string;
	    org_id: string;
	    org_name: string;
	    session_id: string;
	    reason: string;
	    ticket: string;
	    rule: string;
	    detail: string;
	    prev_hash: string;
	    hash: string;
	
	    static createFrom(source: any = {}) {
	        return new AuditRecord(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.seq = source["seq"];
	        this.at = this.convertValues(source["at"], null);
	        this.kind = source["kind"];
	        this.env = source["env"];
	        this.agent = source["agent"];
	        this.user_id = source["user_id"];
	        this.user_email = source["user_email"];
	        this.org_id = source["org_id"];
	        this.org_name = source["org_name"];
	        this.session_id = source["session_id"];
	        this.reason = source["reason"];
	        this.ticket = source["ticket"];
	        this.rule = source["rule"];
	        this.detail = source["detail"];
	        this.prev_hash = source["prev_hash"];
	        this.hash = source["hash"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ChainStatus {
	    intact: boolean;
	    count: number;
	    broken_at: number;
	    detail: string;
	
	    static createFrom(source: any = {}) {
	        return new ChainStatus(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.intact = source["intact"];
	        this.count = source["count"];
	        this.broken_at = source["broken_at"];
	        this.detail = source["detail"];
	    }
	}
	export class CheckResult {
	    name: string;
	    ok: boolean;
	    detail: string;
	
	    static createFrom(source: any = {}) {
	        return new CheckResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.ok = source["ok"];
	        this.detail = source["detail"];
	    }
	}
	export class Org {
	    id: string;
	    name: string;
	    role?: string;
	
	    static createFrom(source: any = {}) {
	        return new Org(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.role = source["role"];
	    }
	}
	export class Policy {
	    enabled: boolean;
	    reason_min_length: number;
	    ticket_required: boolean;
	    ticket_pattern: string;
	    max_minutes: number;
	    default_minutes: number;
	    protected_roles: string[];
	    protected_domains: string[];
	    protected_users: string[];
	    agent_daily_limit: number;
	    env_monthly_limit: number;
	
	    static createFrom(source: any = {}) {
	        return new Policy(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.enabled = source["enabled"];
	        this.reason_min_length = source["reason_min_length"];
	        this.ticket_required = source["ticket_required"];
	        this.ticket_pattern = source["ticket_pattern"];
	        this.max_minutes = source["max_minutes"];
	        this.default_minutes = source["default_minutes"];
	        this.protected_roles = source["protected_roles"];
	        this.protected_domains = source["protected_domains"];
	        this.protected_users = source["protected_users"];
	        this.agent_daily_limit = source["agent_daily_limit"];
	        this.env_monthly_limit = source["env_monthly_limit"];
	    }
	}
	export class ProviderEvent {
	    env: string;
	    id: string;
	    user_id: string;
	    // Go type: time
	    at: any;
	    kind: string;
	    code: string;
	    description: string;
	    client: string;
	    ip: string;
	
	    static createFrom(source: any = {}) {
	        return new ProviderEvent(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.env = source["env"];
	        this.id = source["id"];
	        this.user_id = source["user_id"];
	        this.at = this.convertValues(source["at"], null);
	        this.kind = source["kind"];
	        this.code = source["code"];
	        this.description = source["description"];
	        this.client = source["client"];
	        this.ip = source["ip"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Session {
	    id: string;
	    env: string;
	    provider: string;
	    user_id: string;
	    user_email: string;
	    user_name: string;
	    org_id: string;
	    org_name: string;
	    agent_email: string;
	    reason: string;
	    ticket: string;
	    // Go type: time
	    started_at: any;
	    // Go type: time
	    expires_at: any;
	    // Go type: time
	    ended_at?: any;
	    end_reason: string;
	    provider_ref: string;
	    note?: string;
	    // Go type: time
	    revoke_pending_since?: any;
	    // Go type: time
	    awaiting_until?: any;
	    outside?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Session(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.env = source["env"];
	        this.provider = source["provider"];
	        this.user_id = source["user_id"];
	        this.user_email = source["user_email"];
	        this.user_name = source["user_name"];
	        this.org_id = source["org_id"];
	        this.org_name = source["org_name"];
	        this.agent_email = source["agent_email"];
	        this.reason = source["reason"];
	        this.ticket = source["ticket"];
	        this.started_at = this.convertValues(source["started_at"], null);
	        this.expires_at = this.convertValues(source["expires_at"], null);
	        this.ended_at = this.convertValues(source["ended_at"], null);
	        this.end_reason = source["end_reason"];
	        this.provider_ref = source["provider_ref"];
	        this.note = source["note"];
	        this.revoke_pending_since = this.convertValues(source["revoke_pending_since"], null);
	        this.awaiting_until = this.convertValues(source["awaiting_until"], null);
	        this.outside = source["outside"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class StopResult {
	    session: Session;
	    already_ended: boolean;
	    detail?: string;
	
	    static createFrom(source: any = {}) {
	        return new StopResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.session = this.convertValues(source["session"], Session);
	        this.already_ended = source["already_ended"];
	        this.detail = source["detail"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SyncState {
	    env: string;
	    cursor: string;
	    // Go type: time
	    run_since: any;
	    // Go type: time
	    high_water: any;
	    // Go type: time
	    last_synced_at: any;
	    gen: number;
	    // Go type: time
	    last_full_at: any;
	    users: number;
	    orgs: number;
	    last_error: string;
	
	    static createFrom(source: any = {}) {
	        return new SyncState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.env = source["env"];
	        this.cursor = source["cursor"];
	        this.run_since = this.convertValues(source["run_since"], null);
	        this.high_water = this.convertValues(source["high_water"], null);
	        this.last_synced_at = this.convertValues(source["last_synced_at"], null);
	        this.gen = source["gen"];
	        this.last_full_at = this.convertValues(source["last_full_at"], null);
	        this.users = source["users"];
	        this.orgs = source["orgs"];
	        this.last_error = source["last_error"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class User {
	    env: string;
	    id: string;
	    email: string;
	    name: string;
	    role: string;
	    status: string;
	    organizations: Org[];
	    metadata?: Record<string, string>;
	    // Go type: time
	    updated_at: any;
	
	    static createFrom(source: any = {}) {
	        return new User(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.env = source["env"];
	        this.id = source["id"];
	        this.email = source["email"];
	        this.name = source["name"];
	        this.role = source["role"];
	        this.status = source["status"];
	        this.organizations = this.convertValues(source["organizations"], Org);
	        this.metadata = source["metadata"];
	        this.updated_at = this.convertValues(source["updated_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

