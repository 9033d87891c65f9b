/*
 * test_keys.c - the console's key table: no key means two things in one
 * view, a command that writes is marked so wherever it is bound, read-only
 * consoles are offered no writes, every view has its ops, and the man
 * page's list of keys is the one the table writes.
 */
#define _GNU_SOURCE /* open_memstream */
#include "console.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(keys, no_key_means_two_things_in_one_view)
{
	for (const key_binding *a = keys_table(); a->name; a++)
		for (const key_binding *b = a + 1; b->name; b++)
			cr_assert(a->key != b->key || !(a->views & b->views),
				  "'%s' is bound twice in one view", b->name);
}

Test(keys, a_command_that_writes_writes_wherever_it_is_bound)
{
	for (const key_binding *a = keys_table(); a->name; a++)
		for (const key_binding *b = keys_table(); b->name; b++)
			cr_assert(a->cmd != b->cmd || a->writes == b->writes,
				  "'%s' and '%s' run one command, but only one is a write",
				  a->name, b->name);
}

Test(keys, every_key_has_help_or_follows_the_line_it_is_another_name_for)
{
	const key_binding *t = keys_table();

	cr_assert(t[0].help);
	for (size_t i = 1; t[i].name; i++)
		cr_assert(t[i].help || t[i].cmd == t[i - 1].cmd,
			  "'%s' has no help and is not another name for the line above", t[i].name);
}

Test(keys, read_only_hints_offer_no_writes_and_the_lead_gets_them)
{
	static console c; /* no plan is needed for the hints */
	char hints[512];

	c.view = VIEW_GRID;
	keys_hints(&c, hints, sizeof(hints), sizeof(hints));
	cr_assert(strstr(hints, "s:start") && strstr(hints, "x:skip"), "%s", hints);
	cr_assert(!strstr(hints, "p:pause"), "nothing runs, so no pause: %s", hints);
	c.role = ROLE_VIEWER;
	keys_hints(&c, hints, sizeof(hints), sizeof(hints));
	cr_assert(!strstr(hints, "s:start") && !strstr(hints, "x:skip"), "%s", hints);
	cr_assert(strstr(hints, "Enter:open") && strstr(hints, "?:help"), "%s", hints);
	for (const key_binding *b = keys_table(); b->name; b++) {
		char hint[64];
		snprintf(hint, sizeof(hint), "%s:%s", b->name, b->hint ? b->hint : "");
		cr_assert(!b->writes || !b->hint || !strstr(hints, hint), "%s in %s", hint, hints);
	}
}

/* The floor records notes and sign-offs and runs nothing. */
Test(keys, the_floor_notes_and_signs_but_runs_nothing)
{
	static console c;

	c.role = ROLE_FLOOR;
	for (const key_binding *b = keys_table(); b->name; b++) {
		bool may = keys_allowed(&c, b);
		cr_assert_eq(may, b->writes != WRITE_RUN, "'%s' (%s) for the floor", b->name,
			     b->hint ? b->hint : "");
		if (b->cmd == CMD_NOTE || b->cmd == CMD_SIGNOFF)
			cr_assert(may, "the floor cannot '%s'", b->name);
		if (b->cmd == CMD_START || b->cmd == CMD_SKIP || b->cmd == CMD_RETRY ||
		    b->cmd == CMD_PAUSE || b->cmd == CMD_VERIFY)
			cr_assert_not(may, "the floor may '%s'", b->name);
	}
	c.view = VIEW_FLOOR;
	char hints[512];
	keys_hints(&c, hints, sizeof(hints), sizeof(hints));
	cr_assert(strstr(hints, "n:note"), "%s", hints);
}

Test(keys, every_view_has_a_name_and_draws)
{
	for (int v = 0; v < VIEW__COUNT; v++) {
		const view_ops *ops = console_view_ops((view_id)v);
		cr_assert(ops && ops->name && ops->draw && ops->key, "view %d", v);
	}
}

/* man: a backslash and a minus as roff wants them. */
static void roff(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

/* The man page's list of keys, as the table writes it. */
static char *keys_section(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert(f);
	for (const key_binding *b = keys_table(); b->name; b++) {
		char in[160];
		if (!b->help)
			continue;
		keys_where(in, sizeof(in), b->views);
		fputs(".TP\n.B ", f);
		roff(f, b->name);
		fputc('\n', f);
		roff(f, b->help);
		if (in[0]) {
			fputs(" [", f);
			roff(f, in);
			fputc(']', f);
		}
		fputs(b->writes == WRITE_RUN ? " (runs: the lead's console only)\n"
		      : b->writes == WRITE_NOTE ? " (writes: not with \\-\\-read\\-only)\n" : "\n",
		      f);
	}
	cr_assert_eq(fclose(f), 0);
	return text;
}

Test(keys, the_man_page_lists_the_keys_the_table_has)
{
	static const char begin[] = ".\\\" keys: begin (written from src/tui/keys.c)\n";
	static const char end[] = ".\\\" keys: end\n";
	char *path = t_path(CARVE_SOURCE_ROOT, "man/carve.1");
	char *man = t_read_file(path, NULL);
	char *want = keys_section();
	char *from = strstr(man, begin), *to = from ? strstr(from, end) : NULL;

	cr_assert(from && to, "%s has no '%s' ... '%s' block", path, begin, end);
	from += strlen(begin);
	*to = '\0';
	cr_assert_str_eq(from, want, "man/carve.1's keys differ from the table; they should be:\n%s",
			 want);
	free(want);
	free(man);
	free(path);
}

/* However narrow the terminal, the hint line keeps ?:help and Q:quit and
 * drops what matters less (issue 14). */
Test(keys, help_and_quit_always_fit)
{
	static console c;
	char hints[512];

	c.view = VIEW_GRID;
	for (size_t width = 20; width <= 200; width += 10) {
		keys_hints(&c, hints, sizeof(hints), width);
		cr_assert(strstr(hints, "?:help") && strstr(hints, "Q:quit"), "%zu: %s", width,
			  hints);
		cr_assert_leq(strlen(hints), width < 22 ? 22 : width, "%zu: %s", width, hints);
	}
	keys_hints(&c, hints, sizeof(hints), 200);
	cr_assert(strstr(hints, "s:start"), "the room used: %s", hints);
}
