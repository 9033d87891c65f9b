/*
 * fuzz_checks.c - the pre-flight parsers take whatever a machine prints.
 *
 * Every input is given to every check's parser as stdout (exit 0) and as
 * stderr (exit 1), for an XP machine and a Windows 10 one, with the
 * migrator's groups known and unread.  Each call must
 * succeed with a status, JSON-looking evidence, and a diagnosis exactly
 * when the verdict is not ok.  A failed check aborts.
 */
#include "checks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char site[] =
	"site:\n"
	"  name: Fuzz\n"
	"  source: { netbios: FABRIKAM, dns: fabrikam.local }\n"
	"  target: { netbios: CONTOSO, dns: contoso.com, ou: \"OU=M,DC=contoso,DC=com\" }\n"
	"  migrator: svc_targetmigrator\n"
	"accounts:\n"
	"  - { name: migrator, user: 'CONTOSO\\svc_targetmigrator' }\n"
	"  - { name: desk, user: 'FABRIKAM\\carve-ws', auth: agent }\n"
	"transport: { account: desk }\n"
	"exec_hosts:\n"
	"  - { name: MGMT01, role: management, address: 127.0.0.1, account: migrator }\n"
	"floors:\n"
	"  - name: F1\n"
	"    map: |\n"
	"      +------+\n"
	"      | A1 A2|\n"
	"      +------+\n"
	"chunks:\n"
	"  - { name: wave1, cutover: \"2026-12-05T22:00:00Z\" }\n"
	"machines:\n"
	"  - { name: XP-01, address: 127.0.0.1, os: xp, floor: F1, marker: A1, chunk: wave1,"
	" reach: via, via: MGMT01 }\n"
	"  - { name: W10-01, address: 127.0.0.1, os: \"10\", floor: F1, marker: A2, chunk: wave1 }\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static carve_plan *plan;
	static const char *const groups[] = { "CONTOSO\\Workstation Admins",
					      "CONTOSO\\Domain Users" };
	static const check_context known = { groups, 2, NULL };
	static const check_context unread = { NULL, 0, "Access is denied." };
	size_t n;

	if (!plan) {
		carve_diags *diags = NULL;
		if (carve_plan_load_buffer(&plan, &diags, "fuzz.yaml", site, sizeof(site) - 1) < 0)
			abort();
		carve_diags_free(diags);
	}
	const carve_machine *m = carve_plan_machines(plan, &n);
	for (size_t k = 0; k < n; k++)
		for (int c = 0; c < CARVE_CHECK__COUNT; c++)
			for (int as_err = 0; as_err < 4; as_err++) {
				carve_check_result r = { 0 };
				const char *text = (const char *)data;
				const check_context *ctx = as_err & 2 ? &unread : &known;
				if (check_parse(&r, (carve_check)c, plan, &m[k], ctx,
						as_err & 1 ? "" : text,
						as_err & 1 ? 0 : size, as_err & 1 ? text : "",
						as_err & 1 ? size : 0, as_err & 1) != 0)
					abort();
				if (!r.evidence || r.evidence[0] != '{' ||
				    r.evidence[strlen(r.evidence) - 1] != '}')
					abort();
				if ((r.status == CARVE_STATUS_OK) != (r.diagnosis == NULL))
					abort();
				free(r.evidence);
				free(r.diagnosis);
			}
	return 0;
}
