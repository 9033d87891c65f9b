/*
 * internal.h - private helpers shared by the engine's modules.  Not part of
 * the public surface; nothing outside src/engine includes it.
 */
#ifndef CARVE_INTERNAL_H
#define CARVE_INTERNAL_H

#include "carve.h"

#include <stdarg.h>
#include <stdio.h>

#define CARVE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define CARVE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CARVE_PRINTF(f, a)
#endif

/* Record the detail of an error for carve_error_last() and return code. */
int carve_error_set(int code, const char *fmt, ...) CARVE_PRINTF(2, 3);

/* Out of memory: records it and returns CARVE_ENOMEM. */
int carve_error_oom(void);

/* ---- arena: many small allocations freed at once (the plan) ---- */

typedef struct carve_arena_block carve_arena_block;

typedef struct {
	carve_arena_block *head;
	size_t block_size;
} carve_arena;

void carve_arena_init(carve_arena *a, size_t block_size);
void carve_arena_done(carve_arena *a);
/* Aligned for any type; NULL on out of memory. */
void *carve_arena_alloc(carve_arena *a, size_t size);
void *carve_arena_calloc(carve_arena *a, size_t n, size_t size);
char *carve_arena_strndup(carve_arena *a, const char *s, size_t len);
char *carve_arena_strdup(carve_arena *a, const char *s);

/* ---- growable string ---- */

typedef struct {
	char *ptr;
	size_t len;
	size_t cap;
	bool failed; /* an allocation failed; ptr holds what fit */
} carve_buf;

#define CARVE_BUF_INIT { NULL, 0, 0, false }

void carve_buf_put(carve_buf *b, const char *s, size_t len);
void carve_buf_puts(carve_buf *b, const char *s);
void carve_buf_putc(carve_buf *b, char c);
void carve_buf_printf(carve_buf *b, const char *fmt, ...) CARVE_PRINTF(2, 3);
/* JSON string literal with quotes; invalid UTF-8 becomes U+FFFD. */
void carve_buf_json_string(carve_buf *b, const char *s);
/* ptr, never NULL ("" for an empty buffer). */
const char *carve_buf_cstr(carve_buf *b);
void carve_buf_done(carve_buf *b);

/* ---- diagnostics ---- */

carve_diags *carve_diags_new(const char *file);
/* Adds a diagnostic; allocation failures are remembered and reported by
 * carve_diags_finish as CARVE_ENOMEM. */
void carve_diags_add(carve_diags *d, unsigned line, unsigned col,
		     const char *fmt, ...) CARVE_PRINTF(4, 5);
/* Sorts by position; returns 0, or CARVE_ENOMEM if an add failed. */
int carve_diags_finish(carve_diags *d);

/* ---- misc ---- */

/* n bytes as 2n lowercase hex digits plus NUL. */
void carve_hex(char *out, const unsigned char *in, size_t n);
/* 2n hex digits (either case) into n bytes; false when in is not that. */
bool carve_unhex(unsigned char *out, size_t n, const char *in);

/* SHA-256 of buf as 64 lowercase hex digits plus NUL. */
int carve_sha256_hex(char out[65], const void *buf, size_t len);

/* Case-insensitive ASCII compare. */
int carve_strcasecmp(const char *a, const char *b);

/* Reads a whole regular file, at most max bytes (a caller that must refuse
 * bigger files asks for one more byte than it allows).  *out is
 * NUL-terminated and owned.  CARVE_EINVALID when the path names nothing
 * readable or not a regular file (a FIFO is refused without waiting on
 * it), CARVE_EIO when reading fails; the message says why. */
int carve_file_read(char **out, size_t *len, const char *path, size_t max);

/* $XDG_CONFIG_HOME/carve/<leaf> (else ~/.config/carve/<leaf>).  Owned. */
char *carve_config_path(const char *leaf);

/* mkdir -p, mode 0700 for the directories it creates (carve's default
 * paths live under ~/.local/state and ~/.config, which may not exist). */
int carve_make_dirs(const char *dir);

/* The directory part of path made with carve_make_dirs. */
int carve_make_parent(const char *path);

/* Blanks (spaces, tabs, a CR) off both ends of s, in place; returns the
 * first kept character. */
char *carve_trim(char *s);

/* Current time as RFC 3339 UTC with milliseconds: 2026-11-23T19:18:18.123Z */
void carve_now_rfc3339(char out[32]);

/* ---- ssh: a command kept running (ssh_exec.c) ---- */

/*
 * A command kept running on its own channel of a session and asked one
 * request at a time on its standard input (a PowerShell reading scripts,
 * winps.h's CARVE_PS_HOST_COMMAND).  Open starts it within timeout_ms;
 * ask writes input (stdin stays open) and waits, within timeout_ms, for a
 * stdout line holding until, appending everything up to and including
 * that line to reply.  A reply over 1 MiB is CARVE_ERROR at once (the
 * rest would run into the next reply); it, CARVE_ETIMEOUT, CARVE_ECANCELED
 * and CARVE_ENET (also: the command ended before it answered, its first
 * stderr line in the message) leave the session unusable: free the shell
 * and the session.  Free sends EOF and closes the
 * channel, which ends a command that reads its stdin to the end.
 */
typedef struct carve_ssh_shell carve_ssh_shell;
int carve_ssh_shell_open(carve_ssh_shell **out, carve_ssh *ssh, const char *command,
			 uint32_t timeout_ms);
int carve_ssh_shell_ask(carve_ssh_shell *sh, carve_buf *reply, const char *input, size_t len,
			const char *until, uint32_t timeout_ms);
void carve_ssh_shell_free(carve_ssh_shell *sh);

#endif
