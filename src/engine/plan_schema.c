/*
 * plan_schema.c - the site plan's schema as data: one key table per section
 * (key, setter, where the value goes, required, limits), the rules between
 * keys, and the defaults.  carve-plan(5) documents each key.
 */
#include "plan_internal.h"

#include <stddef.h>

#define SIZE_OF(type, member) sizeof(((type *)0)->member)
#define ENUM(table) &(const plan_enum){ table, CARVE_ARRAY_SIZE(table) }

_Static_assert(sizeof(carve_os) == sizeof(int) && sizeof(carve_auth) == sizeof(int) &&
	       sizeof(carve_mail_scope) == sizeof(int) && sizeof(carve_beyond7) == sizeof(int) &&
	       sizeof(carve_translation) == sizeof(int) && sizeof(unsigned) == sizeof(int),
	       "plan_set_enum stores an int");

static const plan_rule rule_netbios = { "NetBIOS name", carve_name_netbios };
static const plan_rule rule_sam = { "sAMAccountName", carve_name_sam };
static const plan_rule rule_domain = { "DNS name", plan_name_domain };
static const plan_rule rule_address = { "address", plan_name_address };
static const plan_rule rule_ipv4 = { "IPv4 address", plan_name_ipv4 };
static const plan_rule rule_dn = { "distinguished name", plan_name_dn };
static const plan_rule rule_email = { "email address", plan_name_email };
static const plan_rule rule_logon = { "account user", plan_name_logon };
static const plan_rule rule_name = { "name", plan_name_ident };
static const plan_rule rule_id = { "id", plan_name_ident };
static const plan_rule rule_marker = { "marker", plan_name_marker };
static const plan_rule rule_package = { "package path", plan_name_package };
static const plan_rule rule_uri = { "Exchange PowerShell URI", plan_name_exchange_uri };
static const plan_rule rule_text = { "text", plan_name_text };

static const plan_enum_item os_names[] = {
	{ "xp", CARVE_OS_XP }, { "vista", CARVE_OS_VISTA }, { "7", CARVE_OS_7 },
	{ "8", CARVE_OS_8 }, { "10", CARVE_OS_10 }, { "11", CARVE_OS_11 },
};
static const plan_enum_item auth_names[] = {
	{ "password", CARVE_AUTH_PASSWORD }, { "gssapi", CARVE_AUTH_GSSAPI },
	{ "key", CARVE_AUTH_KEY }, { "agent", CARVE_AUTH_AGENT },
};
static const plan_enum_item hostkeys_names[] = {
	{ "strict", CARVE_HOSTKEYS_STRICT }, { "accept-new", CARVE_HOSTKEYS_ACCEPT_NEW },
};
static const plan_enum_item probe_names[] = {
	{ "icmp", CARVE_PROBE_ICMP }, { "tcp", CARVE_PROBE_TCP }, { "exec", CARVE_PROBE_EXEC },
};
static const plan_enum_item role_names[] = {
	{ "admt", CARVE_ROLE_ADMT }, { "mail", CARVE_ROLE_MAIL },
	{ "management", CARVE_ROLE_MANAGEMENT },
};
static const plan_enum_item reach_names[] = {
	{ "direct", CARVE_REACH_DIRECT }, { "via", CARVE_REACH_VIA },
};
static const plan_enum_item outlook_names[] = {
	{ "none", 0 }, { "2003", 2003 }, { "2007", 2007 }, { "2010", 2010 },
	{ "2013", 2013 }, { "2016", 2016 }, { "2019", 2019 },
};
static const plan_enum_item area_names[] = {
	{ "exchange", CARVE_AREA_EXCHANGE }, { "ad", CARVE_AREA_AD },
};
static const plan_enum_item scope_names[] = {
	{ "site", CARVE_MAIL_SITE }, { "chunk", CARVE_MAIL_CHUNK },
};
static const plan_enum_item exchange_names[] = {
	{ "2003", 2003 }, { "2007", 2007 }, { "2010", 2010 },
};
static const plan_enum_item translation_names[] = {
	{ "replace", CARVE_TRANSLATE_REPLACE }, { "add", CARVE_TRANSLATE_ADD },
	{ "remove", CARVE_TRANSLATE_REMOVE },
};
static const plan_enum_item beyond7_names[] = {
	{ "block", CARVE_BEYOND7_BLOCK }, { "migrate", CARVE_BEYOND7_MIGRATE },
};
static const plan_enum_item verify_names[] = {
	{ "none", CARVE_VERIFY_NONE }, { "mailboxes", CARVE_VERIFY_MAILBOXES },
	{ "workstations", CARVE_VERIFY_WORKSTATIONS }, { "mx", CARVE_VERIFY_MX },
	{ "autodiscover", CARVE_VERIFY_AUTODISCOVER },
};

#define SCHEMA(what, fields, finish) \
	&(const plan_schema){ what, fields, CARVE_ARRAY_SIZE(fields), finish }
#define LIST(what, raw, fields, finish, init, nonempty) &(const plan_list_spec){ \
	SCHEMA(what, fields, finish), sizeof(raw), init, nonempty }

/* Table entries, designated so that whatever an entry leaves out is zero.
 * OBJ is the struct the table fills. */
#define KEY(k, setter, member) .key = (k), .set = (setter), .offset = offsetof(OBJ, member)
#define WHOLE(k, setter) .key = (k), .set = (setter) /* the setter gets all of OBJ */
#define REF(k) .key = (k), .set = plan_set_ref
#define UINT(k, member, lo, hi) KEY(k, plan_set_uint, member), \
	.size = SIZE_OF(OBJ, member), .min = (lo), .max = (hi)
#define KEEP(member) .node_offset = offsetof(OBJ, member)
#define REQUIRED .required = true
#define GONE(k, text) .key = (k), .replaced = (text)

#define OBJ plan_site_raw
static const plan_field source_fields[] = {
	{ KEY("netbios", plan_set_string, pub.source.netbios), REQUIRED, .arg = &rule_netbios },
	{ KEY("dns", plan_set_string, pub.source.dns), REQUIRED, .arg = &rule_domain },
	{ REF("account"), KEEP(source_account) },
};
static const plan_field target_fields[] = {
	{ KEY("netbios", plan_set_string, pub.target.netbios), REQUIRED, .arg = &rule_netbios },
	{ KEY("dns", plan_set_string, pub.target.dns), REQUIRED, .arg = &rule_domain },
	{ KEY("ou", plan_set_string, pub.target_ou), REQUIRED, .arg = &rule_dn },
};
static const plan_field site_fields[] = {
	{ KEY("name", plan_set_string, pub.name), REQUIRED, .arg = &rule_text },
	{ WHOLE("source", plan_set_submap), KEEP(source), REQUIRED,
	  .arg = SCHEMA("source", source_fields, NULL) },
	{ WHOLE("target", plan_set_submap), REQUIRED,
	  .arg = SCHEMA("target", target_fields, NULL) },
	{ KEY("migrator", plan_set_string, pub.migrator), REQUIRED, .arg = &rule_sam },
	{ KEY("database", plan_set_path, pub.database) },
};
#undef OBJ

#define OBJ carve_mail
static const plan_field mail_fields[] = {
	{ KEY("source_namespace", plan_set_string, source_namespace), .arg = &rule_domain },
	{ KEY("target_mailbox_server", plan_set_string, target_mailbox_server),
	  .arg = &rule_address },
	{ KEY("target_cas", plan_set_string, target_cas), .arg = &rule_domain },
	{ UINT("bad_item_limit", bad_item_limit, 0, 100000) },
	{ KEY("move_timeout", plan_set_duration, move_timeout_ms) },
	{ KEY("poll_interval", plan_set_duration, poll_interval_ms) },
	{ KEY("outlook_timeout", plan_set_duration, outlook_timeout_ms) },
	{ KEY("smtp_domain", plan_set_string, smtp_domain), .arg = &rule_domain },
	{ KEY("target_mx", plan_set_string, target_mx), .arg = &rule_domain },
	{ KEY("resolver", plan_set_string, resolver), .arg = &rule_ipv4 },
	{ UINT("resolver_port", resolver_port, 1, 65535) },
	{ KEY("scope", plan_set_enum, scope), .arg = ENUM(scope_names) },
	{ KEY("source_version", plan_set_enum, source_version), .arg = ENUM(exchange_names) },
	{ KEY("mrs_proxy", plan_set_string, mrs_proxy), .arg = &rule_domain },
	{ KEY("remote_global_catalog", plan_set_string, remote_gc), .arg = &rule_domain },
	{ KEY("target_delivery_domain", plan_set_string, delivery_domain), .arg = &rule_domain },
	{ KEY("exchange_uri", plan_set_string, exchange_uri), .arg = &rule_uri },
};
#undef OBJ

#define OBJ carve_policy
static const carve_os os_values[] = {
	CARVE_OS_XP, CARVE_OS_VISTA, CARVE_OS_7, CARVE_OS_8, CARVE_OS_10, CARVE_OS_11,
};
static const plan_field hotfix_fields[] = {
	{ WHOLE("xp", plan_set_hotfixes), .arg = &os_values[CARVE_OS_XP] },
	{ WHOLE("vista", plan_set_hotfixes), .arg = &os_values[CARVE_OS_VISTA] },
	{ WHOLE("7", plan_set_hotfixes), .arg = &os_values[CARVE_OS_7] },
	{ WHOLE("8", plan_set_hotfixes), .arg = &os_values[CARVE_OS_8] },
	{ WHOLE("10", plan_set_hotfixes), .arg = &os_values[CARVE_OS_10] },
	{ WHOLE("11", plan_set_hotfixes), .arg = &os_values[CARVE_OS_11] },
};
static const plan_field translation_fields[] = {
	{ KEY("mode", plan_set_enum, translation), .arg = ENUM(translation_names) },
	{ KEY("user_profiles", plan_set_bool, translate_profiles) },
	{ KEY("local_groups", plan_set_bool, translate_local_groups) },
	{ KEY("user_rights", plan_set_bool, translate_user_rights) },
};
static const plan_field policy_fields[] = {
	{ KEY("min_free_disk", plan_set_size, min_free_disk) },
	{ KEY("update_headroom", plan_set_size, update_headroom) },
	{ WHOLE("hotfixes", plan_set_submap), .arg = SCHEMA("hotfixes", hotfix_fields, NULL) },
	{ KEY("disable_source_accounts", plan_set_bool, disable_source_accounts) },
	{ KEY("restart_timeout", plan_set_duration, restart_timeout_ms) },
	{ WHOLE("hotfix_packages", plan_set_packages) },
	{ KEY("admt_timeout", plan_set_duration, admt_timeout_ms) },
	{ UINT("admt_restart_minutes", admt_restart_delay, 1, 10) },
	{ WHOLE("translation", plan_set_submap),
	  .arg = SCHEMA("translation", translation_fields, NULL) },
	{ KEY("newer_than_windows_7", plan_set_enum, newer_than_7), .arg = ENUM(beyond7_names) },
	{ KEY("devcon", plan_set_string, devcon), .arg = &rule_package },
	{ UINT("active_within_days", active_within_days, 1, 3650) },
};
#undef OBJ

/* Kept so that a missing transport.account is reported where it belongs. */
static void transport_finish(plan_load *ld, void *obj, const pnode *map)
{
	(void)ld;
	((plan_transport_raw *)obj)->node = map;
}

#define REPLACED(key, by) "transport." key " was replaced by " by " (see carve-plan(5))"

#define OBJ plan_transport_raw
static const plan_field timeout_fields[] = {
	{ KEY("connect", plan_set_duration, pub.connect_timeout_ms) },
	{ KEY("auth", plan_set_duration, pub.auth_timeout_ms) },
	{ KEY("command", plan_set_duration, pub.command_timeout_ms) },
};
static const plan_field transport_fields[] = {
	{ REF("account"), KEEP(account) },
	{ KEY("known_hosts", plan_set_path, pub.known_hosts) },
	{ KEY("host_keys", plan_set_enum, pub.host_keys), .arg = ENUM(hostkeys_names) },
	{ KEY("use_ssh_config", plan_set_bool, pub.use_ssh_config) },
	{ UINT("port", pub.port, 1, 65535) },
	{ WHOLE("timeouts", plan_set_submap), .arg = SCHEMA("timeouts", timeout_fields, NULL) },
	{ UINT("concurrency", pub.concurrency, 1, 4096) },
	{ KEY("probe", plan_set_enum, pub.probe), .arg = ENUM(probe_names) },
	{ KEY("sweep_interval", plan_set_duration, pub.sweep_interval_ms) },
	{ GONE("user", REPLACED("user", "accounts: and transport.account")) },
	{ GONE("auth", REPLACED("auth", "each account's auth under accounts:")) },
	{ GONE("key_file", REPLACED("key_file", "an account's key_file under accounts:")) },
	{ GONE("password_file",
	       REPLACED("password_file", "an account's password_file under accounts:")) },
	{ GONE("password_env", "transport.password_env is gone: a password never travels in "
			       "the environment; give it with --password-fd, an account's "
			       "password_file or at the prompt (see carve-plan(5))") },
};
#undef OBJ

#define OBJ plan_exec_raw
static const plan_field exec_fields[] = {
	{ KEY("name", plan_set_string, pub.name), KEEP(name), REQUIRED, .arg = &rule_netbios },
	{ KEY("role", plan_set_enum, pub.role), KEEP(role), REQUIRED, .arg = ENUM(role_names) },
	{ KEY("address", plan_set_string, pub.address), REQUIRED, .arg = &rule_address },
	{ UINT("port", pub.port, 1, 65535) },
	{ UINT("concurrency", pub.concurrency, 1, 1024) },
	{ REF("account"), KEEP(account), REQUIRED },
};
#undef OBJ

/* Where an account's secret comes from must match how it logs on. */
static void account_finish(plan_load *ld, void *obj, const pnode *map)
{
	plan_account_raw *a = obj;
	const pnode *key = pnode_get(map, "key_file"), *pw = pnode_get(map, "password_file");

	if (pnode_get(map, "auth") && !a->auth)
		return; /* auth itself was refused */
	if (a->pub.auth == CARVE_AUTH_KEY && !key)
		plan_diag(ld, a->auth, "auth: key requires 'key_file'");
	if (a->pub.auth != CARVE_AUTH_KEY && key)
		plan_diag(ld, key, "'key_file' is only for auth: key");
	if (a->pub.auth != CARVE_AUTH_PASSWORD && pw)
		plan_diag(ld, pw, "'password_file' is only for auth: password");
}

#define OBJ plan_account_raw
static const plan_field account_fields[] = {
	{ KEY("name", plan_set_string, pub.name), KEEP(name), REQUIRED, .arg = &rule_name },
	{ KEY("user", plan_set_string, pub.user), KEEP(user), REQUIRED, .arg = &rule_logon },
	{ KEY("auth", plan_set_enum, pub.auth), KEEP(auth), .arg = ENUM(auth_names) },
	{ KEY("key_file", plan_set_path, pub.key_file) },
	{ KEY("password_file", plan_set_path, pub.password_file) },
};
#undef OBJ

#define OBJ plan_floor_raw
static const plan_field floor_fields[] = {
	{ KEY("name", plan_set_string, pub.name), KEEP(name), REQUIRED, .arg = &rule_name },
	{ KEY("title", plan_set_string, pub.title), .arg = &rule_text },
	{ WHOLE("map", plan_set_floor_map), REQUIRED },
};
#undef OBJ

/* Exactly one of at and marker; via exactly when reach is via. */
static void machine_finish(plan_load *ld, void *obj, const pnode *map)
{
	plan_machine_raw *m = obj;
	const pnode *at = pnode_get(map, "at"), *marker = pnode_get(map, "marker");
	const pnode *reach = pnode_get(map, "reach"), *via = pnode_get(map, "via");

	m->node = map;
	if (!at && !marker) {
		plan_diag(ld, map, "machine is missing required key 'at' or 'marker'");
	} else if (at && marker) {
		plan_diag(ld, at->index > marker->index ? at : marker,
			  "'at' and 'marker' cannot both be given");
		m->at = m->marker = NULL; /* no position to check */
	}
	if (reach && !m->reach)
		return; /* reach itself was refused */
	if (m->pub.reach == CARVE_REACH_VIA && !via)
		plan_diag(ld, reach, "reach: via requires 'via'");
	else if (m->pub.reach != CARVE_REACH_VIA && via)
		plan_diag(ld, via, "'via' is only allowed with reach: via");
}

#define OBJ plan_machine_raw
static const plan_field machine_fields[] = {
	{ KEY("name", plan_set_string, pub.name), KEEP(name), REQUIRED, .arg = &rule_netbios },
	{ KEY("address", plan_set_string, pub.address), REQUIRED, .arg = &rule_address },
	{ KEY("os", plan_set_enum, pub.os), REQUIRED, .arg = ENUM(os_names) },
	{ REF("floor"), KEEP(floor), REQUIRED },
	{ KEY("at", plan_set_at, pub), KEEP(at) },
	{ REF("marker"), KEEP(marker), .arg = &rule_marker },
	{ REF("user"), KEEP(user) },
	{ REF("chunk"), KEEP(chunk), REQUIRED },
	{ KEY("reach", plan_set_enum, pub.reach), KEEP(reach), .arg = ENUM(reach_names) },
	{ REF("via"), KEEP(via) },
	{ UINT("port", pub.port, 1, 65535) },
	{ KEY("outlook", plan_set_enum, pub.outlook), .arg = ENUM(outlook_names) },
};
#undef OBJ

#define OBJ plan_user_raw
static const plan_field user_fields[] = {
	{ KEY("name", plan_set_string, pub.name), KEEP(name), REQUIRED, .arg = &rule_sam },
	{ KEY("display_name", plan_set_string, pub.display_name), .arg = &rule_text },
	{ KEY("email", plan_set_string, pub.email), .arg = &rule_email },
	{ REF("chunk"), KEEP(chunk), REQUIRED },
	{ KEY("activesync", plan_set_string, pub.activesync), .arg = &rule_text },
};
#undef OBJ

#define OBJ plan_chunk_raw
static const plan_field chunk_fields[] = {
	{ KEY("name", plan_set_string, pub.name), KEEP(name), REQUIRED, .arg = &rule_name },
	{ KEY("title", plan_set_string, pub.title), .arg = &rule_text },
	{ KEY("cutover", plan_set_cutover, pub), REQUIRED },
};
#undef OBJ

#define OBJ plan_teardown_raw
static const plan_field teardown_fields[] = {
	{ KEY("id", plan_set_string, pub.id), KEEP(id), REQUIRED, .arg = &rule_id },
	{ KEY("area", plan_set_enum, pub.area), REQUIRED, .arg = ENUM(area_names) },
	{ KEY("title", plan_set_string, pub.title), REQUIRED, .arg = &rule_text },
	{ KEY("verify", plan_set_enum, pub.verify), .arg = ENUM(verify_names) },
};
#undef OBJ

static void exec_init(void *item)
{
	((plan_exec_raw *)item)->pub.concurrency = 4;
	((plan_exec_raw *)item)->pub.account = CARVE_NONE;
}

static void machine_init(void *item)
{
	carve_machine *m = &((plan_machine_raw *)item)->pub;

	m->floor = m->user = m->chunk = m->via = CARVE_NONE;
}

static void user_init(void *item)
{
	((plan_user_raw *)item)->pub.chunk = CARVE_NONE;
}

#define OBJ plan_load
#define COMMAND(id, key) [id] = { KEY(key, plan_set_template, commands[id]) }
static const plan_field command_fields[] = {
	COMMAND(CMD_BOOT_TIME, "boot_time"),
	COMMAND(CMD_RESTART, "restart"),
	COMMAND(CMD_COMPUTER, "computer"),
	COMMAND(CMD_ADMT_MIGRATE, "admt_migrate"),
	COMMAND(CMD_ADMT_LOG, "admt_log"),
	COMMAND(CMD_MIGRATOR_GROUPS, "migrator_groups"),
	COMMAND(CMD_DISABLE_SOURCE, "disable_source"),
	COMMAND(CMD_LOGON_DOMAIN, "logon_domain"),
	COMMAND(CMD_MOVE_START, "move_start"),
	COMMAND(CMD_MOVE_STATUS, "move_status"),
	COMMAND(CMD_MOVE_REMOVE, "move_remove"),
	COMMAND(CMD_SOURCE_MEU, "source_meu"),
	COMMAND(CMD_MAIL_TRIAGE, "mail_triage"),
	COMMAND(CMD_HOSTS_ADD, "hosts_add"),
	COMMAND(CMD_HOSTS_REMOVE, "hosts_remove"),
	COMMAND(CMD_OUTLOOK_SERVER, "outlook_server"),
	COMMAND(CMD_SOURCE_COMPUTERS, "source_computers"),
	COMMAND(CMD_FIX_SERVICES, "fix_services"),
	COMMAND(CMD_FIX_NICS, "fix_nics"),
	COMMAND(CMD_FIX_FIREWALL, "fix_firewall"),
	COMMAND(CMD_FIX_ADMIN, "fix_admin"),
	COMMAND(CMD_FIX_HOTFIX, "fix_hotfix"),
};
#undef COMMAND
_Static_assert(CARVE_ARRAY_SIZE(command_fields) == CMD__COUNT, "a key for every command");
static const plan_field root_fields[] = {
	{ KEY("site", plan_set_submap, site), REQUIRED, .arg = SCHEMA("site", site_fields, NULL) },
	{ KEY("accounts", plan_set_list, accounts),
	  .arg = LIST("account", plan_account_raw, account_fields, account_finish, NULL, false) },
	{ KEY("mail", plan_set_submap, mail), .arg = SCHEMA("mail", mail_fields, NULL) },
	{ KEY("policy", plan_set_submap, policy), .arg = SCHEMA("policy", policy_fields, NULL) },
	{ KEY("transport", plan_set_submap, transport),
	  .arg = SCHEMA("transport", transport_fields, transport_finish) },
	{ KEY("exec_hosts", plan_set_list, exec_hosts),
	  .arg = LIST("exec host", plan_exec_raw, exec_fields, NULL, exec_init, false) },
	{ KEY("floors", plan_set_list, floors), REQUIRED,
	  .arg = LIST("floor", plan_floor_raw, floor_fields, NULL, NULL, true) },
	{ KEY("machines", plan_set_list, machines), REQUIRED,
	  .arg = LIST("machine", plan_machine_raw, machine_fields, machine_finish,
		      machine_init, false) },
	{ KEY("users", plan_set_list, users),
	  .arg = LIST("user", plan_user_raw, user_fields, NULL, user_init, false) },
	{ KEY("chunks", plan_set_list, chunks), REQUIRED,
	  .arg = LIST("chunk", plan_chunk_raw, chunk_fields, NULL, NULL, true) },
	{ KEY("teardown", plan_set_list, teardown),
	  .arg = LIST("teardown item", plan_teardown_raw, teardown_fields, NULL, NULL, false) },
	{ WHOLE("commands", plan_set_submap), .arg = SCHEMA("commands", command_fields, NULL) },
};
#undef OBJ

/* The seed's four XP hotfixes for a clean ADMT computer migration. */
static const char *const xp_hotfixes[] = { "KB944043", "KB944505", "KB968730", "KB2535512" };

void plan_walk(plan_load *ld, const pnode *root)
{
	carve_transport *t = &ld->transport.pub;

	ld->mail.bad_item_limit = 50;
	ld->policy.min_free_disk = UINT64_C(1) << 30;
	ld->policy.hotfixes[CARVE_OS_XP] = xp_hotfixes;
	ld->policy.hotfix_count[CARVE_OS_XP] = CARVE_ARRAY_SIZE(xp_hotfixes);
	ld->policy.disable_source_accounts = true;
	ld->policy.restart_timeout_ms = 15 * 60 * 1000;
	ld->policy.admt_timeout_ms = 4 * 3600 * 1000;
	ld->policy.admt_restart_delay = 1;
	ld->policy.translation = CARVE_TRANSLATE_REPLACE;
	ld->policy.translate_profiles = true;
	ld->policy.translate_local_groups = true;
	ld->policy.translate_user_rights = true;
	ld->policy.active_within_days = 30;
	ld->mail.scope = CARVE_MAIL_SITE;
	ld->mail.source_version = 2010;
	ld->mail.move_timeout_ms = 24 * 3600 * 1000;
	ld->mail.poll_interval_ms = 30 * 1000;
	ld->mail.outlook_timeout_ms = 3600 * 1000;
	ld->mail.resolver_port = 53;
	ld->site.pub.source.account = ld->site.pub.target.account = CARVE_NONE;
	t->account = CARVE_NONE;
	t->port = 22;
	t->connect_timeout_ms = 5000;
	t->auth_timeout_ms = 10000;
	t->command_timeout_ms = 120000;
	t->concurrency = 64;
	t->sweep_interval_ms = 10; /* fping's default -i */
	if (root->kind == PNODE_MAP)
		plan_walk_map(ld, root, SCHEMA("site plan", root_fields, NULL), ld);
	else if (pnode_is_null(root))
		plan_diag(ld, root, "site plan is empty");
	else
		plan_diag(ld, root, "site plan must be a mapping");
}
