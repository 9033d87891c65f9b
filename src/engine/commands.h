/*
 * commands.h - the PowerShell each migration step sends, as templates.
 *
 * Every template has a built-in default; a plan's commands: section may
 * replace any of them.  A template is trusted PowerShell that reads its
 * inputs from variables ($computer, $users, ...): carve puts an assignment
 * of each value, as a single-quoted literal (winps.h), above the template,
 * so plan data never becomes code and a replacement cannot misplace a
 * value.
 */
#ifndef CARVE_COMMANDS_H
#define CARVE_COMMANDS_H

#include "internal.h"

typedef enum {
	CMD_BOOT_TIME,      /* computer -> LastBootUpTime */
	CMD_RESTART,        /* computer */
	CMD_COMPUTER,       /* computer -> Name|Domain|UserName */
	CMD_ADMT_MIGRATE,   /* computers (comma list), source_domain, target_domain, target_ou */
	CMD_ADMT_STATUS,    /* -> Name|PostCheckStatus lines */
	CMD_ADMT_LOG,       /* computer -> ADMT log lines naming it */
	CMD_DISABLE_SOURCE, /* computer, source_domain -> Enabled after */
	CMD_LOGON_DOMAIN,   /* computer, target_netbios -> DefaultDomainName after */
	CMD_MOVE_START,     /* users (comma list), bad_item_limit, source_namespace, target_domain */
	CMD_MOVE_STATUS,    /* -> Alias|Status|Percent|Bytes|Items|BadItems|Message */
	CMD_SOURCE_MEU,     /* users (comma list), source_domain -> user|True/False */
	CMD_MAIL_TRIAGE,    /* user, smtp -> smtp|..., quota|..., event|... */
	CMD_HOSTS_ADD,      /* computer, address, namespace -> added|present */
	CMD_HOSTS_REMOVE,   /* computer, address, namespace -> removed|absent */
	CMD_OUTLOOK_SERVER, /* computer -> the Outlook profile's Exchange server */
	CMD_FIX_SERVICES,   /* computer: the four services started, automatic */
	CMD_FIX_NICS,       /* computer: wireless and secondary adapters disabled */
	CMD_FIX_FIREWALL,   /* computer: off in every profile */
	CMD_FIX_ADMIN,      /* computer, target_netbios, migrator: into Administrators */
	CMD_FIX_HOTFIX,     /* computer, package: installed quietly, no restart */
	CMD__COUNT
} carve_command;

/* The key in the plan's commands: section ("admt_migrate"). */
const char *cmd_key(carve_command c);

/* Whether text is usable as a template (not blank, short enough to leave
 * room for values on a Windows command line); on false *why says why. */
bool cmd_template_ok(const char *text, const char **why);

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
 * (admt_migrate, move_start): appends name to list when the command line,
 * with values and the longer list, still fits on a Windows command line.
 * Returns false, leaving list as it was, when it does not; the first name
 * of a list always goes in (its command then fails with the reason).
 */
bool cmd_list_add(carve_buf *list, const char *name, const carve_plan *plan, carve_command c,
		  const char *const *values);

#endif
