/*
 * commands.h - the PowerShell each migration step sends, as templates.
 *
 * Every template has a built-in default; a plan's commands: section may
 * replace any of them.  A template is trusted PowerShell 2.0 (Windows
 * Server 2008 R2's) that reads its inputs from variables ($computer,
 * $users, ...): carve puts an assignment of each value, as a single-quoted
 * literal (winps.h), above the template, so plan data never becomes code
 * and a replacement cannot misplace a value.  A command that needs another
 * organisation's credentials reads the password from its standard input
 * ($input, the first line), never from its command line.
 */
#ifndef CARVE_COMMANDS_H
#define CARVE_COMMANDS_H

#include "internal.h"

typedef enum {
	CMD_BOOT_TIME,       /* computer -> LastBootUpTime */
	CMD_RESTART,         /* computer */
	CMD_COMPUTER,        /* computer -> Name|Domain|PartOfDomain|UserName */
	CMD_ADMT_MIGRATE,    /* computers (comma list), source_domain, target_domain,
			      * target_ou, translation, user_profiles, local_groups,
			      * user_rights, restart_delay -> start|TIME, ADMT's output,
			      * exit|CODE */
	CMD_ADMT_LOG,        /* computers (comma list), since -> NAME|line */
	CMD_MIGRATOR_GROUPS, /* -> user|NAME, group|NAME lines of the account it runs as */
	CMD_DISABLE_SOURCE,  /* user, source_domain, credential_user (+ password)
			      * -> Enabled after */
	CMD_LOGON_DOMAIN,    /* computer, target_netbios -> DefaultDomainName after */
	CMD_MOVE_START,      /* users (comma list), bad_item_limit, source_version,
			      * mrs_proxy, remote_gc, delivery_domain, exchange_uri,
			      * credential_user (+ password) -> user|Queued| or
			      * user|Failed|message */
	CMD_MOVE_STATUS,     /* users, exchange_uri -> User|Status|Percent|Bytes|Items|BadItems|Message */
	CMD_MOVE_REMOVE,     /* users (comma list), exchange_uri -> removed|user */
	CMD_SOURCE_MEU,      /* users (comma list), source_domain, credential_user
			      * (+ password) -> user|True/False */
	CMD_MAIL_TRIAGE,     /* user, smtp, exchange_uri -> smtp|..., quota|..., event|... */
	CMD_HOSTS_ADD,       /* computer, address, namespace -> added|present */
	CMD_HOSTS_REMOVE,    /* computer, address, namespace -> removed|absent */
	CMD_OUTLOOK_SERVER,  /* computer -> server|SID|NAME, noprofile|SID, nobody */
	CMD_SOURCE_COMPUTERS, /* source_domain, credential_user (+ password)
			       * -> Name|Enabled|LastLogon|OperatingSystem */
	CMD_FIX_SERVICES,    /* computer: the four services started, automatic */
	CMD_FIX_NICS,        /* computer, os, devcon: wireless and secondary adapters
			      * disabled */
	CMD_FIX_FIREWALL,    /* computer, os: off in every profile */
	CMD_FIX_ADMIN,       /* computer, target_netbios, migrator: into Administrators */
	CMD_FIX_HOTFIX,      /* computer, package: copied over, installed quietly */
	CMD__COUNT
} carve_command;

/* The most values a command takes. */
#define CMD_MAX_VALUES 12

/* The key in the plan's commands: section ("admt_migrate"). */
const char *cmd_key(carve_command c);

/* The names of c's values, NULL-terminated after the last. */
const char *const *cmd_params(carve_command c);

/* Whether text is usable as the template of the command named key (not
 * blank, short enough to leave room for values on a Windows command line,
 * scanned as a run would: no {{placeholder}}, no string left open); on
 * false *why says why (valid until the next error on this thread). */
bool cmd_template_ok(const char *key, const char *text, const char **why);

/* Windows' cmd.exe refuses longer command lines. */
#define CMD_LINE_MAX 8191

/* The command line for c on plan: the plan's template or the default,
 * values in the order the enum above lists, as a powershell -EncodedCommand
 * line appended to out.  CARVE_EINVALID when a value is missing (the
 * plan lacks a setting the step needs) or the line would be longer than
 * CMD_LINE_MAX. */
int cmd_line(carve_buf *out, const carve_plan *plan, carve_command c,
	     const char *const *values);

/*
 * For the commands whose first value is a comma-separated list of names
 * (admt_migrate, admt_log, move_start, move_remove, source_meu): appends
 * name to list when the command line, with values and the longer list,
 * still fits on a Windows command line.  Returns false, leaving list as it
 * was, when it does not; the first name of a list always goes in (its
 * command then fails with the reason).
 */
bool cmd_list_add(carve_buf *list, const char *name, const carve_plan *plan, carve_command c,
		  const char *const *values);

#endif
