/*
 * audit_read.c - reading the log back: carve log's event query.
 */
#include "audit_internal.h"

#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Whether the fields written so far hold plausible values: a typo such as
 * month 13 should be an error, not an empty listing. */
static bool fields_in_range(const char *t, size_t len)
{
	static const struct {
		size_t at;
		int lo, hi;
	} field[] = {
		{ 5, 1, 12 }, { 8, 1, 31 }, { 11, 0, 23 }, { 14, 0, 59 }, { 17, 0, 60 },
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(field); i++) {
		if (len < field[i].at + 2)
			break;
		int v = num(t + field[i].at, 2);
		if (v < field[i].lo || v > field[i].hi)
			return false;
	}
	return true;
}

/* Moves a date-time written with a UTC offset to UTC, as the log stores. */
static void to_utc(char *t, size_t len, const char *zone)
{
	struct tm tm = { 0 };
	char rest[32] = "";
	int sign = zone[0] == '-' ? -1 : 1;

	tm.tm_year = num(t, 4) - 1900;
	tm.tm_mon = num(t + 5, 2) - 1;
	tm.tm_mday = num(t + 8, 2);
	tm.tm_hour = num(t + 11, 2);
	tm.tm_min = num(t + 14, 2);
	tm.tm_sec = len >= 19 ? num(t + 17, 2) : 0;
	if (len > 19)
		snprintf(rest, sizeof(rest), "%s", t + 19);
	time_t when = timegm(&tm) - sign * (num(zone + 1, 2) * 3600 + num(zone + 4, 2) * 60);
	gmtime_r(&when, &tm);
	size_t n = strftime(t, 20, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + n, 32 - n, "%s", rest);
}

/*
 * The "since" filter as a prefix of the stored UTC times: a date
 * (2026-11-23), a date-time cut at any field (2026-11-23T19 .. seconds and
 * milliseconds), ' ' accepted for 'T'.  Without an offset the text is taken
 * as UTC, like the times the log shows; with 'Z' or +HH:MM it is converted.
 */
static int since_prefix(char out[32], const char *since)
{
	static const char shape[] = "0000-00-00T00:00:00";
	size_t len = 0;

	for (; since[len] && len < sizeof(shape) - 1; len++) {
		char c = since[len], want = shape[len];
		if (want == '0' ? !is_digit(c) : !(c == want || (len == 10 && c == ' ')))
			break;
		out[len] = len == 10 ? 'T' : c;
	}
	const char *zone = since + len;
	if (len == 19 && *zone == '.') {
		out[len++] = '.';
		for (zone++; is_digit(*zone); zone++)
			if (len < 23) /* the log keeps milliseconds */
				out[len++] = *zone;
	}
	out[len] = '\0';

	bool cut_at_field = len == 4 || len == 7 || len == 10 || len == 13 ||
			    len == 16 || len >= 19;
	bool zone_ok = !*zone || (len >= 16 && ((zone[0] == 'Z' && !zone[1]) ||
		((zone[0] == '+' || zone[0] == '-') && is_digit(zone[1]) &&
		 is_digit(zone[2]) && zone[3] == ':' && is_digit(zone[4]) &&
		 is_digit(zone[5]) && !zone[6])));
	if (!cut_at_field || !zone_ok || !fields_in_range(out, len) || len == 20)
		return carve_error_set(CARVE_EINVALID,
				       "since '%s': expected a date or time such as"
				       " 2026-11-23, 2026-11-23T19:00 or"
				       " 2026-11-23T19:00:00+01:00", since);
	if (zone[0] == '+' || zone[0] == '-')
		to_utc(out, len, zone);
	return 0;
}

carve_status audit_status_of(const char *text)
{
	for (int s = 0; s < CARVE_STATUS__COUNT; s++)
		if (text && strcmp(text, carve_status_name((carve_status)s)) == 0)
			return (carve_status)s;
	return CARVE_STATUS_PENDING;
}

static const char *text_or_null(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

static int prepare_query(sqlite3_stmt **out, carve_audit *audit,
			 const carve_log_filter *f, const char *since)
{
	carve_buf sql = CARVE_BUF_INIT;
	int err = 0;

	carve_buf_puts(&sql, "SELECT seq, run, time, actor, kind, chunk, machine,"
		       " user, phase, step, status, evidence, diagnosis,"
		       " json_valid(evidence) FROM events WHERE seq > ?1");
	/* Only the filters given, so SQLite can use the matching index. */
	if (f->chunk)
		carve_buf_puts(&sql, " AND chunk = ?2");
	if (f->machine)
		carve_buf_puts(&sql, " AND machine = ?3 COLLATE NOCASE");
	if (f->phase)
		carve_buf_puts(&sql, " AND phase = ?4");
	if (f->status)
		carve_buf_puts(&sql, " AND status = ?5");
	if (since)
		carve_buf_puts(&sql, " AND time >= ?6");
	if (f->kind)
		carve_buf_puts(&sql, " AND kind = ?8");
	carve_buf_puts(&sql, " ORDER BY seq LIMIT ?7");
	if (sql.failed) {
		err = carve_error_oom();
		goto done;
	}
	if (sqlite3_prepare_v2(audit->db, sql.ptr, -1, out, NULL) != SQLITE_OK) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot query the log");
		goto done;
	}
	sqlite3_bind_int64(*out, 1, f->after_seq);
	sqlite3_bind_text(*out, 2, f->chunk, -1, SQLITE_STATIC);
	sqlite3_bind_text(*out, 3, f->machine, -1, SQLITE_STATIC);
	sqlite3_bind_text(*out, 4, f->phase, -1, SQLITE_STATIC);
	sqlite3_bind_text(*out, 5, f->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(*out, 6, since, -1, SQLITE_STATIC);
	sqlite3_bind_int64(*out, 7, f->limit && f->limit <= INT64_MAX
			   ? (sqlite3_int64)f->limit : -1);
	sqlite3_bind_text(*out, 8, f->kind, -1, SQLITE_STATIC);
done:
	carve_buf_done(&sql);
	return err;
}

int carve_audit_query(carve_audit *audit, const carve_log_filter *filter,
		      carve_event_cb cb, void *ctx)
{
	const carve_log_filter all = CARVE_LOG_FILTER_INIT;
	sqlite3_stmt *st = NULL;
	char since[32];
	int err, rc;

	if (!filter)
		filter = &all;
	if (filter->since && (err = since_prefix(since, filter->since)) < 0)
		return err;
	if ((err = prepare_query(&st, audit, filter, filter->since ? since : NULL)) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		carve_event_row row;

		row.seq = sqlite3_column_int64(st, 0);
		row.run = sqlite3_column_int64(st, 1);
		row.time = text_or_null(st, 2);
		row.ev.run = row.run;
		row.ev.actor = text_or_null(st, 3);
		row.ev.kind = text_or_null(st, 4);
		row.ev.chunk = text_or_null(st, 5);
		row.ev.machine = text_or_null(st, 6);
		row.ev.user = text_or_null(st, 7);
		row.ev.phase = text_or_null(st, 8);
		row.ev.step = text_or_null(st, 9);
		row.status_text = text_or_null(st, 10);
		row.ev.status = audit_status_of(row.status_text);
		row.ev.evidence = text_or_null(st, 11);
		row.ev.diagnosis = text_or_null(st, 12);
		row.evidence_is_json = sqlite3_column_int(st, 13) != 0;
		if ((err = cb(&row, ctx)) != 0)
			goto done;
	}
	if (rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot query the log");
done:
	sqlite3_finalize(st);
	return err;
}

/* Calls cb for each row the statement (object_kind, object, chunk, phase,
 * step, status, time, diagnosis, evidence, seq, run, actor) yields. */
static int each_state(carve_audit *audit, sqlite3_stmt *st, carve_state_cb cb, void *ctx)
{
	int err = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		carve_state_row row;

		row.object_kind = text_or_null(st, 0);
		row.object = text_or_null(st, 1);
		row.chunk = text_or_null(st, 2);
		row.phase = text_or_null(st, 3);
		row.step = text_or_null(st, 4);
		row.status = audit_status_of(text_or_null(st, 5));
		row.time = text_or_null(st, 6);
		row.diagnosis = text_or_null(st, 7);
		row.evidence = text_or_null(st, 8);
		row.seq = sqlite3_column_int64(st, 9);
		row.run = sqlite3_column_int64(st, 10);
		row.actor = text_or_null(st, 11);
		if ((err = cb(&row, ctx)) != 0)
			goto done;
	}
	if (rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the current state");
done:
	sqlite3_finalize(st);
	return err;
}

/* Evidence that is not JSON (only a tampered row's) comes as a JSON string
 * of its text, so a state row's evidence is always JSON to embed. */
#define STATE_COLUMNS "SELECT s.object_kind, s.object, s.chunk, s.phase, s.step," \
	" s.status, s.time, s.diagnosis, CASE WHEN e.evidence IS NULL THEN NULL"  \
	" WHEN json_valid(e.evidence) THEN e.evidence ELSE json_quote(e.evidence)" \
	" END, s.seq, e.run, e.actor FROM state s JOIN events e ON e.seq = s.seq"
#define STATE_ORDER " ORDER BY s.object_kind, s.object, s.phase, s.step"

/* Runs a query of the state columns, ?1 (if it has one) bound to arg. */
static int read_states(carve_audit *audit, const char *sql, const char *arg,
		       carve_state_cb cb, void *ctx)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(audit->db, sql, -1, &st, NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot read the current state");
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	return each_state(audit, st, cb, ctx);
}

int carve_audit_states(carve_audit *audit, const char *chunk, carve_state_cb cb, void *ctx)
{
	return read_states(audit, STATE_COLUMNS " WHERE ?1 IS NULL OR s.chunk = ?1" STATE_ORDER,
			   chunk, cb, ctx);
}

int carve_audit_failed_states(carve_audit *audit, carve_state_cb cb, void *ctx)
{
	return read_states(audit, STATE_COLUMNS " WHERE s.status IN ('failed', 'interrupted')"
			   STATE_ORDER, NULL, cb, ctx);
}

int carve_audit_machine_states(carve_audit *audit, carve_state_cb cb, void *ctx)
{
	/* The state table alone (two index ranges of it): no evidence to
	 * fetch. */
	return read_states(audit, "SELECT object_kind, object, chunk, phase, step, status, time,"
			   " diagnosis, NULL, seq, 0, NULL FROM state"
			   " WHERE object_kind IN ('machine', 'user')", NULL, cb, ctx);
}

int carve_audit_site_states(carve_audit *audit, carve_state_cb cb, void *ctx)
{
	/* The key's first column: an index range, not a scan of every row. */
	return read_states(audit, STATE_COLUMNS " WHERE s.object_kind = 'site'" STATE_ORDER, NULL,
			   cb, ctx);
}

int carve_audit_notes(carve_audit *audit, int64_t after_seq, carve_event_cb cb, void *ctx)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;

	/* the notes table's primary key is the seq: a range, however long
	 * the log */
	if (sqlite3_prepare_v2(audit->db, "SELECT seq, time, actor, chunk, machine, user, status,"
			       " text FROM notes WHERE seq > ?1 ORDER BY seq", -1, &st,
			       NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot read the notes");
	sqlite3_bind_int64(st, 1, after_seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		carve_event_row row = { 0 };

		row.seq = sqlite3_column_int64(st, 0);
		row.time = text_or_null(st, 1);
		row.ev.kind = "note";
		row.ev.actor = text_or_null(st, 2);
		row.ev.chunk = text_or_null(st, 3);
		row.ev.machine = text_or_null(st, 4);
		row.ev.user = text_or_null(st, 5);
		row.status_text = text_or_null(st, 6);
		row.ev.status = audit_status_of(row.status_text);
		row.ev.diagnosis = text_or_null(st, 7);
		if ((err = cb(&row, ctx)) != 0)
			goto done;
	}
	if (rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the notes");
done:
	sqlite3_finalize(st);
	return err;
}

int carve_audit_chunk_span(char first[32], char last[32], carve_audit *audit,
			   const char *chunk)
{
	sqlite3_stmt *st = NULL;
	int err = 0;

	first[0] = last[0] = '\0';
	if (sqlite3_prepare_v2(audit->db, "SELECT min(time), max(time) FROM events"
			       " WHERE chunk = ?1", -1, &st, NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot read the chunk's times");
	sqlite3_bind_text(st, 1, chunk, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *a = text_or_null(st, 0), *b = text_or_null(st, 1);
		snprintf(first, 32, "%s", a ? a : "");
		snprintf(last, 32, "%s", b ? b : "");
	} else {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the chunk's times");
	}
	sqlite3_finalize(st);
	return err;
}
